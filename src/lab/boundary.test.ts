import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The house rule "src/lab never imports DOM, React or worker globals" is enforced by eslint.config.js;
// this test proves the rule fires (a rule that silently stopped matching would let the boundary rot).
describe('src/lab boundary', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const lint = async (code: string) => {
    const [result] = await eslint.lintText(code, { filePath: 'src/lab/__boundary_probe__.ts' });
    return (result?.messages ?? []).map((m) => m.ruleId);
  };

  it('rejects DOM and worker globals, React, UI imports and Math.random', async () => {
    expect(await lint('export const t = document.title;\n')).toContain('no-restricted-globals');
    expect(await lint('export const f = () => postMessage(1);\n')).toContain('no-restricted-globals');
    expect(await lint("import { useState } from 'react';\nexport const u = useState;\n")).toContain('no-restricted-imports');
    expect(await lint("import { App } from '../ui/App';\nexport const a = App;\n")).toContain('no-restricted-imports');
    expect(await lint('export const r = Math.random();\n')).toContain('no-restricted-properties');
  });

  it('accepts tfjs maths', async () => {
    expect(await lint("import * as tf from '@tensorflow/tfjs-core';\nexport const z = () => tf.zeros([2]);\n")).toEqual([]);
  });
});

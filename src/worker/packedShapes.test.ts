/**
 * scripts/vite/packedShapes.ts on the installed tfjs files: every place it patches is found as often as expected,
 * each becomes a call of the copy, and the copy holds the same numbers in a new array (as shape.slice() did).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { applyPatch, packedShapes, patchOf, PATCHES } from '../../scripts/vite/packedShapes';

const resolve = createRequire(import.meta.url).resolve;

/** The patched file's copy function, run on its own. */
function copyOf(patched: string): (shape: number[]) => number[] {
  const source = patched.slice(patched.lastIndexOf('function rtoLabPackedShape'));
  return new Function(`${source}\nreturn rtoLabPackedShape;`)() as (shape: number[]) => number[];
}

describe('packedShapes', () => {
  for (const patch of PATCHES) {
    it(`patches ${patch.file} where tfjs keeps a shape`, () => {
      const code = readFileSync(resolve(patch.file), 'utf8');
      const patched = applyPatch(patch, code);
      // Each edit's call, plus the copy's own definition.
      const calls = patched.split('rtoLabPackedShape(shape)').length - 1;
      expect(calls).toBe(patch.edits.reduce((n, e) => n + e.count, 0) + 1);
      for (const { replace, count } of patch.edits) expect(patched.split(replace).length - 1).toBe(count);
      // The rest of the file is untouched: the patched text, less the edits and the appended copy, is the original.
      let back = patched.slice(0, patched.lastIndexOf('\nfunction rtoLabPackedShape'));
      for (const { find, replace } of patch.edits) back = back.split(replace).join(find);
      expect(back).toBe(code);
    });
  }

  it('fails the build on a file that no longer has the expected text', () => {
    const tensor = PATCHES.find((p) => p.file.endsWith('tensor.js'))!;
    expect(() => applyPatch(tensor, 'class Tensor { constructor(shape) { this.shape = [...shape]; } }')).toThrow(/expected "this.shape = shape.slice\(\);" 2 time\(s\), found 0; has the package changed\?/);
    const once = 'this.shape = shape.slice();';
    expect(() => applyPatch(tensor, once)).toThrow(/found 1/);
  });

  it('copies a shape into a new array with the same numbers', () => {
    const copy = copyOf(applyPatch(PATCHES[0]!, readFileSync(resolve(PATCHES[0]!.file), 'utf8')));
    const holey = new Array<number>(3);
    holey[0] = 4;
    holey[1] = 1;
    holey[2] = 1439;
    for (const shape of [[], [7], [2, 3, 4], holey, [1, 2, 3, 4, 5, 6]]) {
      const out = copy(shape);
      expect(out).toEqual(shape);
      expect(out).not.toBe(shape);
      out.push(99);
      expect(shape).not.toContain(99);
    }
  });

  it('finds the two files by module id, whatever the separators or query, and nothing else', () => {
    expect(patchOf('/work/node_modules/@tensorflow/tfjs-core/dist/tensor.js')?.file).toBe('@tensorflow/tfjs-core/dist/tensor.js');
    expect(patchOf('C:\\lab\\node_modules\\@tensorflow\\tfjs-backend-wasm\\dist\\backend_wasm.js?v=1')?.file).toBe('@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js');
    expect(patchOf('/work/node_modules/@tensorflow/tfjs-core/dist/tensor_util.js')).toBeUndefined();
    expect(patchOf('/work/src/lab/tensor.js')).toBeUndefined();
    const plugin = packedShapes();
    expect(plugin.apply).toBe('build');
  });
});

/**
 * Every hand-written WebAssembly kernel (scripts/wasmKernels.ts: batchMatMulWasm.wat, transposeSumWasm.wat) is
 * committed as the bytes its WAT compiles to: a WAT edited without `npm run build:kernels` fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileWat, renderBytesModule, WASM_KERNELS } from '../../../scripts/wasmKernels';

describe('the lab\'s WebAssembly kernels', () => {
  for (const kernel of WASM_KERNELS) {
    it(`${kernel.name} is compiled from its WAT source as committed`, async () => {
      const bytes = await compileWat(kernel.wat);
      const source = kernel.wat.slice(kernel.wat.indexOf('src/'));
      expect(readFileSync(kernel.out, 'utf8'), `${kernel.out} is stale: npm run build:kernels`).toBe(renderBytesModule(kernel.name, source, bytes));
    });
  }
});

/**
 * scripts/vite/tfjsDeopts.ts on the installed tfjs files: every spot it rewrites is found as often as expected and
 * nothing else changes; the shape copy holds the same numbers in a new array (as shape.slice() did); the rewritten
 * getFilteredNodesXToY returns what tfjs's own does, on a tape like the ones gradients walk.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { applyPatch, copiesShapes, patchOf, PATCHES, tfjsDeopts, type Patch } from '../../scripts/vite/tfjsDeopts';
import viteConfig from '../../vite.config';

const resolve = createRequire(import.meta.url).resolve;
const source = (patch: Patch): string => readFileSync(resolve(patch.file), 'utf8');
const row = (file: string): Patch => PATCHES.find((p) => p.file.endsWith(file))!;

/** The patched file's copy function, run on its own. */
function copyOf(patched: string): (shape: number[]) => number[] {
  const fn = patched.slice(patched.lastIndexOf('function rtoLabPackedShape'));
  return new Function(`${fn}\nreturn rtoLabPackedShape;`)() as (shape: number[]) => number[];
}

interface Node {
  id: number;
  inputs: Record<string, { id: number }>;
  outputs: { id: number }[];
}
type Filter = (tape: Node[], xs: { id: number }[], y: { id: number }) => Node[];

/** tape.js's getFilteredNodesXToY (it uses nothing the file imports), run on its own. */
function filterOf(code: string): Filter {
  const start = code.indexOf('export function getFilteredNodesXToY');
  const end = code.indexOf('/**', start);
  return new Function(`${code.slice(start, end).replace('export ', '')}\nreturn getFilteredNodesXToY;`)() as Filter;
}

describe('tfjsDeopts', () => {
  for (const patch of PATCHES) {
    it(`rewrites ${patch.file} at each spot, and nothing else`, () => {
      const code = source(patch);
      const patched = applyPatch(patch, code);
      for (const { replace, count } of patch.edits) expect(patched.split(replace).length - 1).toBe(count);
      expect(patched.includes('function rtoLabPackedShape')).toBe(copiesShapes(patch));
      // Undo the edits and drop the appended copy: the original file.
      let back = copiesShapes(patch) ? patched.slice(0, patched.lastIndexOf('\nfunction rtoLabPackedShape')) : patched;
      for (const { find, replace } of patch.edits) back = back.split(replace).join(find);
      expect(back).toBe(code);
    });
  }

  it('fails the build on a file that no longer has the expected text', () => {
    const tensor = row('tensor.js');
    expect(() => applyPatch(tensor, 'class Tensor { constructor(shape) { this.shape = [...shape]; } }')).toThrow(/expected "this.shape = shape.slice\(\);" 2 time\(s\), found 0; has the package changed\?/);
    expect(() => applyPatch(tensor, 'this.shape = shape.slice();')).toThrow(/found 1/);
    expect(() => applyPatch(row('tape.js'), source(row('tape.js')).replace(/ {4}/g, '\t'))).toThrow(/tape\.js: expected "for \(const inputName in nodeInputs\)/);
  });

  it('copies a shape into a new array with the same numbers', () => {
    const copy = copyOf(applyPatch(row('tensor.js'), source(row('tensor.js'))));
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

  it('getFilteredNodesXToY keeps the nodes and inputs tfjs keeps', () => {
    const code = source(row('tape.js'));
    const before = filterOf(code);
    const after = filterOf(applyPatch(row('tape.js'), code));
    // x (1) and w (2) feed a chain to y; c (3) is a constant; a branch (node 12) leads nowhere; node 13 does not
    // depend on x or w. Inputs are named as kernels name them, one map per kernel.
    const t = (id: number) => ({ id });
    const tape: Node[] = [
      { id: 10, inputs: { a: t(1), b: t(2) }, outputs: [t(4)] },
      { id: 11, inputs: { x: t(4), y: t(3) }, outputs: [t(5)] },
      { id: 12, inputs: { x: t(5) }, outputs: [t(6)] },
      { id: 13, inputs: { x: t(3), indices: t(3) }, outputs: [t(7)] },
      { id: 14, inputs: { a: t(5), b: t(7) }, outputs: [t(8), t(9)] },
      { id: 15, inputs: { x: t(9) }, outputs: [t(20)] },
    ];
    for (const [xs, y] of [[[t(1), t(2)], t(20)], [[t(2)], t(8)], [[t(3)], t(20)], [[t(1)], t(6)], [[t(7)], t(1)]] as const) {
      const want = before(tape, [...xs], y);
      expect(after(tape, [...xs], y)).toEqual(want);
    }
    // Not vacuous: the walk from x and w to y keeps four nodes, node 14 with only its input from x.
    const kept = before(tape, [t(1), t(2)], t(20));
    expect(kept.map((n) => n.id)).toEqual([10, 11, 14, 15]);
    expect(Object.keys(kept[2]!.inputs)).toEqual(['a']);
  });

  it('walkTensorContainer finds the tensors tfjs finds, in the same order', () => {
    const code = source(row('tensor_util.js'));
    class Tensor {
      constructor(readonly id: number) {}
    }
    /** tensor_util.js's walkTensorContainer and isIterable (its only helpers), with a Tensor class of our own. */
    const walkOf = (text: string) => {
      const fn = (name: string) => text.slice(text.indexOf(`function ${name}(`), text.indexOf('\n}\n', text.indexOf(`function ${name}(`)) + 3);
      return new Function('Tensor', `${fn('walkTensorContainer')}\n${fn('isIterable')}\nreturn walkTensorContainer;`)(Tensor) as (c: unknown, list: Tensor[], seen: Set<unknown>) => void;
    };
    const before = walkOf(code);
    const after = walkOf(applyPatch(row('tensor_util.js'), code));
    const [a, b, c] = [new Tensor(1), new Tensor(2), new Tensor(3)];
    const holey = [a, , c]; // eslint-disable-line no-sparse-arrays
    const containers: unknown[] = [a, [a, b], { loss: a, grads: { w: b, v: [c, a] } }, holey, [[b], { x: null, y: 3, z: 'text' }, c], new Float32Array(2), null, 7, { nested: { deeper: [c] } }];
    for (const container of containers) {
      const want: Tensor[] = [];
      before(container, want, new Set());
      const got: Tensor[] = [];
      after(container, got, new Set());
      expect(got).toEqual(want);
    }
    // Not vacuous: a result object with nested gradients gives its three tensors, each once, in key order.
    const list: Tensor[] = [];
    before({ loss: a, grads: { w: b, v: [c, a] } }, list, new Set());
    expect(list.map((t) => t.id)).toEqual([1, 2, 3]);
  });

  it('finds the files by module id, whatever the separators or query, and nothing else', () => {
    expect(patchOf('/work/node_modules/@tensorflow/tfjs-core/dist/tensor.js')?.file).toBe('@tensorflow/tfjs-core/dist/tensor.js');
    expect(patchOf('C:\\lab\\node_modules\\@tensorflow\\tfjs-backend-wasm\\dist\\backend_wasm.js?v=1')?.file).toBe('@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js');
    expect(patchOf('/work/node_modules/@tensorflow/tfjs-core/dist/tape.js')?.file).toBe('@tensorflow/tfjs-core/dist/tape.js');
    expect(patchOf('/work/node_modules/@tensorflow/tfjs-core/dist/tensor_util.js')?.file).toBe('@tensorflow/tfjs-core/dist/tensor_util.js');
    expect(patchOf('/work/node_modules/@tensorflow/tfjs-core/dist/engine.js')).toBeUndefined();
    expect(patchOf('/work/src/lab/tensor.js')).toBeUndefined();
    expect(tfjsDeopts().apply).toBe('build');
  });

  it("is in the build's plugins and its workers' (where tfjs runs)", async () => {
    const config = viteConfig as { plugins?: unknown[]; worker?: { plugins?: () => unknown[] } };
    const named = (plugins: unknown[] | undefined) => (plugins ?? []).flat(3).some((p) => (p as { name?: string } | null)?.name === tfjsDeopts().name);
    expect(named(config.plugins)).toBe(true);
    expect(named(await Promise.all(config.worker?.plugins?.() ?? []))).toBe(true);
    expect(copiesShapes(PATCHES.find((p) => p.file.endsWith('tape.js'))!)).toBe(false);
  });
});

/**
 * A Vite plugin that rewrites four spots of tfjs where Chromium's V8 deoptimised the same functions over and over,
 * compiling them anew each time on its background threads (docs/performance.md, "Deoptimisation loops in tfjs").
 * Each is a row of PATCHES; none changes a value.
 *
 * - Shapes. Most shapes tfjs made were arrays of V8's HOLEY_ELEMENTS kind, the rest (scalars' [], shapes the lab
 *   writes) PACKED_SMI_ELEMENTS. Functions that read both, sizeFromShape first (called for every tensor and kernel
 *   output), were deoptimised for "wrong map" and compiled again: 884 times for sizeFromShape in one Quick demo. Each
 *   shape is now copied, where tfjs keeps it, into a fresh array of the same numbers: the Tensor and TensorBuffer
 *   constructors (tfjs-core's tensor.js) and the wasm backend's move and makeOutput (every tensor's storage and
 *   every kernel's output).
 * - for-in loops. V8 deoptimised the keyed load of a for-in loop for "wrong map" whenever the object walked had
 *   another map than before, and compiled the function again: getFilteredNodesXToY (tape.js, once per gradient, over
 *   each tape node's inputs, one map per kernel) 282 times in one Quick demo, 0.64 s of compiling; walkTensorContainer
 *   (tensor_util.js, over each result tidy and endScope keep) 91 times, and endScope, which inlines it, 39 times (18
 *   in TurboFan), 0.43 s. The loops now take Object.values or Object.entries: the same own enumerable properties in the
 *   same order (tape inputs and tidy results are plain objects and arrays, with nothing enumerable inherited).
 *
 * Only the page's build is changed (the plugin is in vite.config.ts's plugins and worker.plugins); Node and Vitest
 * run the packages as published. A package whose files no longer hold the expected text fails the build.
 */
import type { Plugin } from 'vite';

/** Every shape copy goes through this function, appended to each file that copies shapes. */
export const PACKED_SHAPE = 'function rtoLabPackedShape(shape) { const packed = []; for (let i = 0; i < shape.length; i++) packed.push(shape[i]); return packed; }';

export interface Patch {
  file: string;
  /** Each text, how many times the file must hold it, and what replaces it. */
  edits: { find: string; count: number; replace: string }[];
}

/** Whether the patch's edits call rtoLabPackedShape, which is then appended to the file. */
export const copiesShapes = (patch: Patch): boolean => patch.edits.some((e) => e.replace.includes('rtoLabPackedShape('));

export const PATCHES: readonly Patch[] = [
  {
    file: '@tensorflow/tfjs-core/dist/tensor.js',
    // TensorBuffer's and Tensor's constructors; the constructors then read the copy (size, strides).
    edits: [{ find: 'this.shape = shape.slice();', count: 2, replace: 'shape = rtoLabPackedShape(shape); this.shape = shape;' }],
  },
  {
    file: '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js',
    // write() goes through move(); kernels' outputs through makeOutput(), which returns the shape it was given.
    edits: [
      { find: 'move(dataId, values, shape, dtype, refCount) {', count: 1, replace: 'move(dataId, values, shape, dtype, refCount) { shape = rtoLabPackedShape(shape);' },
      { find: 'makeOutput(shape, dtype, memoryOffset, values) {', count: 1, replace: 'makeOutput(shape, dtype, memoryOffset, values) { shape = rtoLabPackedShape(shape);' },
    ],
  },
  {
    file: '@tensorflow/tfjs-core/dist/tape.js',
    // getFilteredNodesXToY's three walks over a node's inputs.
    edits: [
      { find: 'for (const inputName in nodeInputs) {\n            const input = nodeInputs[inputName];', count: 1, replace: 'for (const input of Object.values(nodeInputs)) {' },
      { find: 'for (const inputName in nodeInputs) {\n                    tensorsLeadToY[nodeInputs[inputName].id] = true;', count: 1, replace: 'for (const toY of Object.values(nodeInputs)) {\n                    tensorsLeadToY[toY.id] = true;' },
      { find: 'for (const inputName in node.inputs) {\n                const nodeInput = node.inputs[inputName];', count: 1, replace: 'for (const [inputName, nodeInput] of Object.entries(node.inputs)) {' },
    ],
  },
  {
    file: '@tensorflow/tfjs-core/dist/tensor_util.js',
    // walkTensorContainer: what tidy and endScope keep of a result (inlined into endScope, which it deoptimised too).
    edits: [{ find: 'for (const k in iterable) {\n        const val = iterable[k];', count: 1, replace: 'for (const val of Object.values(iterable)) {' }],
  },
];

/** The patch for module `id` (a path, maybe with a query), if any. */
export function patchOf(id: string): Patch | undefined {
  const path = id.split('?')[0]!.replace(/\\/g, '/');
  return PATCHES.find((p) => path.endsWith(`/node_modules/${p.file}`));
}

/** `code` with the patch applied; throws if the file does not hold each text as often as expected. */
export function applyPatch(patch: Patch, code: string): string {
  let out = code;
  for (const { find, count, replace } of patch.edits) {
    const found = out.split(find).length - 1;
    if (found !== count) throw new Error(`${patch.file}: expected "${find}" ${count} time(s), found ${found}; has the package changed?`);
    out = out.split(find).join(replace);
  }
  return copiesShapes(patch) ? `${out}\n${PACKED_SHAPE}\n` : out;
}

export function tfjsDeopts(): Plugin {
  return {
    name: 'rto-lab-tfjs-deopts',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      const patch = patchOf(id);
      return patch ? { code: applyPatch(patch, code), map: null } : null;
    },
  };
}

/**
 * A Vite plugin that gives every tensor shape in tfjs the same array layout, so that V8 stops deoptimising tfjs's
 * hottest functions over and over (docs/performance.md, "One layout for every shape").
 *
 * In Chromium most of the shapes tfjs makes are arrays of V8's HOLEY_ELEMENTS kind, and the rest (scalars' [],
 * shapes the lab writes) are PACKED_SMI_ELEMENTS. Functions that read both, sizeFromShape first (called for every
 * tensor and kernel output), were compiled for one, deoptimised for "wrong map" on the other, compiled again: in one
 * Quick demo 884 deoptimisations of sizeFromShape alone, 2,299 in all, and thousands of compiles on V8's background
 * threads. The plugin copies each shape, where tfjs keeps it, into a fresh array of small integers: the Tensor and
 * TensorBuffer constructors (tfjs-core's tensor.js), and the wasm backend's move and makeOutput (every tensor's
 * storage and every kernel's output). The values are the same; only the layout V8 picks for them changes.
 *
 * Only the page's build is changed (the plugin is in vite.config.ts's plugins and worker.plugins); Node and Vitest
 * run the package as published. A package whose files no longer have the expected text fails the build.
 */
import type { Plugin } from 'vite';

/** Every shape copy goes through this function, appended to each patched file. */
const PACKED_SHAPE = 'function rtoLabPackedShape(shape) { const packed = []; for (let i = 0; i < shape.length; i++) packed.push(shape[i]); return packed; }';

interface Patch {
  file: string;
  /** Each text, how many times the file must hold it, and what replaces it. */
  edits: { find: string; count: number; replace: string }[];
}

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
  return `${out}\n${PACKED_SHAPE}\n`;
}

export function packedShapes(): Plugin {
  return {
    name: 'rto-lab-packed-shapes',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      const patch = patchOf(id);
      return patch ? { code: applyPatch(patch, code), map: null } : null;
    },
  };
}

/**
 * Slice and SplitV on tfjs-backend-wasm without copying the whole input per piece (issue 15, item 2). tfjs-wasm
 * 4.22's Slice starts with `backend.readSync(x)`, a fresh copy of all of x, and SplitV slices once per piece, so the
 * flat optimiser's split of a 106,304-number update into 28 parameters copied 12 MB, and the split of q, k and v out
 * of [B, 3H, T, dh] copied the input thrice and then moved dh numbers at a time (docs/profile.md). Here a slice is
 * copied from a view of the wasm heap in the longest contiguous runs its shape allows: the whole piece when it is
 * contiguous, one run per outer index otherwise. The numbers are moved, not computed: the same values exactly.
 * String tensors stay with tfjs's kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { overrideWasmKernel } from './wasmOverride';

type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * A shape's numbers in a new array of one layout. Callers' arrays come in several of V8's layouts, and reading more
 * than one deoptimised sliceOf in Chromium, 43 times in one Quick demo (docs/performance.md).
 */
function dims(shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) out.push(shape[i]!);
  return out;
}

/** x[begin : begin + size] into a new tensor of the wasm heap. */
function sliceOf(backend: BackendWasm, x: tf.TensorInfo, beginIn: readonly number[], sizeIn: readonly number[]): tf.TensorInfo {
  const begin = dims(beginIn);
  const size = dims(sizeIn);
  const out = backend.makeOutput(size, x.dtype);
  const count = tf.util.sizeFromShape(size);
  if (count === 0) return out;
  // Views taken after makeOutput, which may grow (and so detach) the heap.
  const from = backend.typedArrayFromHeap(x) as Typed;
  const to = backend.typedArrayFromHeap(out) as Typed;
  const rank = x.shape.length;
  // Row-major strides, 1 for the last axis, in one loop (a spread of computeStrides' array, whose layout differs by
  // rank, was another of the layouts above).
  const strides = new Array<number>(rank);
  for (let a = rank - 1, stride = 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= x.shape[a]!;
  }
  // Axes j.. form contiguous runs: every axis after j is taken whole.
  let j = rank - 1;
  let run = size[j]!;
  while (j > 0 && size[j] === x.shape[j]) {
    j--;
    run *= size[j]!;
  }
  let at = 0;
  for (let a = 0; a <= j; a++) at += begin[a]! * strides[a]!;
  const index = new Array<number>(j).fill(0);
  for (let written = 0; written < count; written += run) {
    to.set(from.subarray(at, at + run), written);
    for (let a = j - 1; a >= 0; a--) {
      at += strides[a]!;
      if (++index[a]! < size[a]!) break;
      at -= size[a]! * strides[a]!;
      index[a] = 0;
    }
  }
  return out;
}

export function registerSliceWasm(): boolean {
  const slice = overrideWasmKernel(tf.Slice, (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    return sliceOf(args.backend as BackendWasm, x, b, s);
  });
  const split = overrideWasmKernel(tf.SplitV, (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const at = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, at);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((piece) => {
      const size = [...x.shape];
      size[at] = piece;
      const out = sliceOf(args.backend as BackendWasm, x, [...begin], size);
      begin[at]! += piece;
      return out;
    });
  });
  return slice && split;
}

registerSliceWasm();

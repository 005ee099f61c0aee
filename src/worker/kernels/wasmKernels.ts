/**
 * The lab's kernels for tfjs-backend-wasm, registered on import (docs/profile.md, change 7 and after): attention's
 * batched products in SIMD, Slice and SplitV without a copy of the whole input per piece, the decoder's key/value
 * cache write, the gradients' transposes and leading-axis sums, Adam's update and layer normalisation. The worker, the CLI and tests
 * (src/cli/nodeBackend.ts) and the benchmark page import this one module, so all of them run the same kernels.
 */
import './batchMatMulWasm';
import './sliceWasm';
import './kvWriteWasm';
import './transposeWasm';
import './adamWasm';
import './layerNormWasm';
import './identityWasm';

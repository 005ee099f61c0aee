/**
 * The lab's kernels for tfjs-backend-webgpu, registered on import: layer norm and its gradient in few dispatches,
 * and the decoder's key/value cache write in one. The worker, the benchmark page and the dispatch profile import
 * this one module, so all of them run the same kernels.
 */
import './layerNormWebgpu';
import './kvWriteWebgpu';

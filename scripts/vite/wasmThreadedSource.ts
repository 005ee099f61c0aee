/**
 * A Vite plugin that lets tfjs-backend-wasm's threaded build survive minification (issue 15).
 *
 * The threaded build starts each pthread worker from a Blob holding
 * `var WasmBackendModuleThreadedSimd = ` + wasmFactoryThreadedSimd.toString() (tfjs-backend-wasm's backend_wasm.js).
 * After minification that text is the bundle's rewritten function: its `typeof _scriptDir !== "undefined"` has become
 * `e !== void 0`, a name that exists only in the bundle's scope, and every worker dies with "e is not defined"
 * (the page then waits for the backend forever). The plugin gives the factory a toString that returns the package's
 * own factory expression, unminified and self-contained, so the workers run the code Emscripten wrote. The main
 * thread keeps the bundled copy; both are the same source. A package whose file no longer has the expected shape
 * fails the build instead of shipping a threaded build that hangs.
 */
import type { Plugin } from 'vite';

export const THREADED_FACTORY_FILE = 'tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
const HEAD = 'var WasmBackendModuleThreadedSimd = ';
const TAIL = '\nif (typeof exports === ';

/** The file's code with `WasmBackendModuleThreadedSimd.toString` returning its own factory expression. */
export function withFactorySource(code: string): string {
  const start = code.indexOf(HEAD);
  const end = code.indexOf(TAIL, start);
  if (start < 0 || end < 0) throw new Error(`${THREADED_FACTORY_FILE}: expected "${HEAD}…" followed by "${TAIL.trim()}…"; has the package changed?`);
  const factory = code.slice(start + HEAD.length, end).trim().replace(/;$/, '');
  return `${code}\nWasmBackendModuleThreadedSimd.toString = () => ${JSON.stringify(factory)};\n`;
}

export function wasmThreadedSource(): Plugin {
  return {
    name: 'rto-lab-wasm-threaded-source',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0]!.replace(/\\/g, '/').endsWith(THREADED_FACTORY_FILE)) return null;
      return { code: withFactorySource(code), map: null };
    },
  };
}

/**
 * scripts/vite/wasmThreadedSource.ts on the real tfjs-backend-wasm file, minified by the same minifier Vite's build
 * uses (rolldown's oxc): the factory's toString, which tfjs puts into each pthread worker's Blob, must be the package's
 * own self-contained factory, not the minified function that refers to names of the bundle's scope.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { minifySync } from 'rolldown/utils';
import { describe, expect, it } from 'vitest';
import { THREADED_FACTORY_FILE, wasmThreadedSource, withFactorySource } from '../../scripts/vite/wasmThreadedSource';

const file = createRequire(import.meta.url).resolve(`@tensorflow/${THREADED_FACTORY_FILE}`);
const original = readFileSync(file, 'utf8');

/** Runs a CommonJS file's code and returns its module.exports. */
function load(code: string): { toString(): string } {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', code)(module, module.exports);
  return module.exports as { toString(): string };
}

/** What tfjs-backend-wasm's backend_wasm.js writes into the worker's Blob, evaluated in a fresh scope. */
function workerFactory(factory: { toString(): string }): unknown {
  return new Function(`var WasmBackendModuleThreadedSimd = ${factory.toString()};\nreturn WasmBackendModuleThreadedSimd;`)();
}

const minify = (code: string): string => minifySync('threaded.js', code, { compress: true, mangle: true }).code;

describe('wasmThreadedSource', () => {
  it('without it, the minified factory loses the names its worker copy needs (the bug)', () => {
    const text = load(minify(original)).toString();
    expect(original).toContain('typeof _scriptDir');
    expect(text).not.toContain('_scriptDir');
  });

  it('with it, the minified factory hands the workers the package’s own factory', () => {
    const factory = load(minify(withFactorySource(original)));
    const text = factory.toString();
    expect(text.startsWith('(() => {\n  var _scriptDir = ')).toBe(true);
    expect(text.endsWith('})()')).toBe(true);
    expect(original).toContain(`var WasmBackendModuleThreadedSimd = ${text};`);
    const inWorker = workerFactory(factory);
    expect(typeof inWorker).toBe('function');
    expect(String(inWorker)).toContain('WasmBackendModuleThreadedSimd.ready');
    // The main thread still runs the bundled (minified) function itself.
    expect(typeof factory).toBe('function');
  });

  it('refuses a file whose shape changed instead of shipping a build that hangs', () => {
    expect(() => withFactorySource('var SomethingElse = 1;')).toThrow(/has the package changed/);
    expect(() => withFactorySource(original.replace('\nif (typeof exports === ', '\nif (typeof module === '))).toThrow(THREADED_FACTORY_FILE);
  });

  it('transforms that file only', () => {
    const plugin = wasmThreadedSource();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    expect(transform.call(null, 'var x = 1;', '/x/node_modules/@tensorflow/tfjs-backend-wasm/dist/index.js')).toBeNull();
    expect(transform.call(null, original, `${file}?commonjs-proxy`)!.code).toBe(withFactorySource(original));
  });
});

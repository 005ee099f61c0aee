/** The benchmark page's build (npm run bench:browser): scripts/bench/browser/ into dist-bench/, with public/'s lab and corpus. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { wasmThreadedSource } from '../vite/wasmThreadedSource';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export default defineConfig({
  root: resolve(repo, 'scripts/bench/browser'),
  base: './',
  publicDir: resolve(repo, 'public'),
  plugins: [wasmThreadedSource()],
  build: { outDir: resolve(repo, 'dist-bench'), emptyOutDir: true, chunkSizeWarningLimit: 8000 },
  // Cross-origin isolated (SharedArrayBuffer), so that &threads=N can start tfjs-backend-wasm's threaded build.
  preview: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
});

import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The page and its module worker are built by Vite; the same lab/ code runs under Vitest in Node.
// No COOP/COEP headers on purpose: without cross-origin isolation tfjs-backend-wasm stays on its
// single-threaded SIMD build, which survives minification (the threaded build does not) and was
// as fast on the 2-core machines we measured (see docs/internals.md, "wasm threads are off, on purpose").
export default defineConfig({
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
    ],
  },
  build: {
    target: 'es2022',
    // The worker carries four tfjs backends (~2.6 MB minified); that is expected.
    chunkSizeWarningLimit: 4000,
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

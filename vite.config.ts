import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { tfjsDeopts } from './scripts/vite/tfjsDeopts';

// The page and its module worker are built by Vite; the same lab/ code runs under Vitest in Node.
// No COOP/COEP headers on purpose: without cross-origin isolation tfjs-backend-wasm stays on its
// single-threaded SIMD build. Two threads made SFT, RL and sampling no faster on the 2-core machines measured
// (docs/performance.md, "wasm threads, measured"), and the threaded build would need blob: workers in the CSP and
// scripts/vite/wasmThreadedSource.ts to survive minification (see docs/internals.md, "wasm threads are off, on purpose").

// Content-Security-Policy: everything from the app's own origin, nothing inline, no eval. Each source:
// - script-src 'self': the page's and worker's module chunks; 'wasm-unsafe-eval' lets tfjs-backend-wasm compile its
//   .wasm (WebAssembly.instantiateStreaming) in the worker. It allows WebAssembly only, not eval or new Function.
// - style-src 'self': the one stylesheet. React and Recharts set styles through the CSSOM (element.style), which CSP
//   does not restrict, and neither inserts <style> elements or style="" markup, so no 'unsafe-inline'.
// - connect-src 'self': the worker's fetches (data/brown.json, quick/*, the .wasm files) and the service worker's.
// - worker-src 'self': the module worker (assets/lab.worker-*.js) and the service worker (sw.js).
// - img-src/font-src/manifest-src 'self', object-src 'none', base-uri 'self', form-action 'self'.
// No blob: or data: anywhere: nothing is loaded from them (file downloads click a blob: link, which CSP does not govern).
// The worker gets its CSP from its own response, so the policy is also a response header (preview.headers below;
// a static host must send the same header). The page has both: the <meta> that the build writes into index.html
// (without 'wasm-unsafe-eval', which only the worker needs: the stricter of the two applies to the page) and the
// header. frame-ancestors works only as a header.
const selfOnly = [
  "default-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];
export const CSP_META = ["script-src 'self'", ...selfOnly].join('; ');
export const CSP_HEADER = ["script-src 'self' 'wasm-unsafe-eval'", ...selfOnly, "frame-ancestors 'none'"].join('; ');

/** Writes the CSP <meta> into the built index.html (not in dev: Vite's dev server needs inline scripts and eval). */
function cspMeta(): Plugin {
  return {
    name: 'rto-lab-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  base: './',
  define: { __RTO_LAB_BUILD__: JSON.stringify(new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC') },
  plugins: [
    react(),
    cspMeta(),
    // Four spots of tfjs rewritten so that V8 stops deoptimising and recompiling them (docs/performance.md).
    tfjsDeopts(),
    // The offline copy (src/ui/serviceWorker.ts registers it): a Workbox precache of every file the lab needs.
    VitePWA({
      // 'prompt': the new service worker never takes over by itself (no skipWaiting), so a page never runs a mix of
      // old and new files; serviceWorker.ts lets it take over when a page opens alone, and UpdateNotice says so.
      registerType: 'prompt',
      injectRegister: false,
      manifest: false,
      workbox: {
        // The page, its chunks (the worker and the lazily loaded tfjs backends included), the wasm binaries, the
        // corpus (data/brown.json), the Quick demo (quick/*) and any prepared lab file (*.rtolab).
        globPatterns: ['**/*.{html,js,css,svg,wasm,json,ckpt,rtolab}'],
        // Threaded wasm needs cross-origin isolation, which the app does not have (see above): never fetched.
        globIgnores: ['**/tfjs-backend-wasm-threaded-simd-*.wasm'],
        // The largest file is data/brown.json (2.2 MB); Workbox's default limit (2 MiB) would leave it out.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        // Any address of the app (?backend=wasm, #preset=...) opens the precached page when offline.
        navigateFallback: 'index.html',
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  // The workers are bundled on their own: tfjs runs there, so they take tfjsDeopts too.
  worker: { format: 'es', plugins: () => [tfjsDeopts()] },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'workbox-window',
    ],
  },
  build: {
    target: 'es2022',
    // The worker carries four tfjs backends (~2.6 MB minified); that is expected.
    chunkSizeWarningLimit: 4000,
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: { 'Content-Security-Policy': CSP_HEADER } },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

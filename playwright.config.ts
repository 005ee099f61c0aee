import { defineConfig } from '@playwright/test';

// E2E runs against the production build (`vite build` + `vite preview`) in Debian's Chromium.
// WebGPU in headless Chromium here is SwiftShader (software): correct, slow; hence the generous timeouts.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// E2E_PORT and E2E_DIST let two checkouts' e2e runs share a machine (each builds into its own folder:
// `npx vite build --outDir dist-x`); `npm test` uses the defaults.
const port = process.env.E2E_PORT ?? '4173';
const dist = process.env.E2E_DIST ?? 'dist';
const results = process.env.E2E_RESULTS ?? 'test-results';

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: `${results}/e2e.json` }]],
  outputDir: `${results}/e2e-artifacts`,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: chromium,
      args: [
        '--enable-unsafe-webgpu',
        // Halves SwiftShader's WebGPU warm-up; safe (unlike disable_robustness, which crashes the GPU process).
        '--enable-dawn-features=disable_workgroup_init',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort --outDir ${dist}`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});

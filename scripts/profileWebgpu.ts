/**
 * Kernel and dispatch counts of one small-preset SFT step on webgpu (issue 15, item 3): builds scripts/profileWebgpu/
 * with Vite into a temporary folder, serves it on 127.0.0.1, opens it in headless Chromium with --enable-unsafe-webgpu
 * (SwiftShader here: the same dispatches a GPU would get) and prints window.__profile. `--src DIR` builds the page
 * against another copy of the lab's src/ (a checkout of an older commit) for before/after counts.
 *
 * `--what rl` counts one RL iteration's dispatches instead (PPO and RTO on the prepared small lab, phase by phase).
 *
 *   npx tsx scripts/profileWebgpu.ts [--backend webgpu|webgl|wasm|cpu] [--what sft|rl] [--kernels 0] [--src /path/to/old/src]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { serveFolder } from './staticServer';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const repo = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const backend = flag('backend', 'webgpu');
  const src = flag('src', '');
  const what = flag('what', 'sft');
  // --kernels 0: without the lab's own webgpu kernels (src/worker/kernels/), tfjs's composites only.
  const kernels = flag('kernels', '1');
  if (what !== 'sft' && what !== 'rl') throw new Error(`--what is sft or rl, got ${what}`);
  const out = mkdtempSync(join(tmpdir(), 'profile-webgpu-'));
  let served: Awaited<ReturnType<typeof serveFolder>> | null = null;
  const browser = { current: null as Awaited<ReturnType<typeof chromium.launch>> | null };
  try {
    await build({
      root: resolve(repo, 'scripts/profileWebgpu'),
      base: './',
      logLevel: 'warn',
      // The RL count reads the prepared lab and the corpus from public/ (labs/, data/: npm run data writes the corpus).
      publicDir: what === 'rl' ? resolve(repo, 'public') : false,
      resolve: src ? { alias: [{ find: /^(\.\.\/)+src\/lab\//, replacement: `${resolve(src, 'lab')}/` }] } : {},
      build: { outDir: out, emptyOutDir: true, chunkSizeWarningLimit: 8000 },
    });
    served = await serveFolder(out);
    browser.current = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--enable-unsafe-webgpu', '--enable-dawn-features=disable_workgroup_init', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.current.newPage();
    await page.goto(`${served.base}index.html?backend=${backend}&what=${what}&kernels=${kernels}`);
    await page.waitForFunction(() => window.__profile !== undefined || window.__profileError !== undefined, undefined, { timeout: what === 'rl' ? 1_800_000 : 540_000, polling: 500 });
    const error = await page.evaluate(() => window.__profileError);
    if (error) throw new Error(error);
    console.log(JSON.stringify(await page.evaluate(() => window.__profile), null, 1));
  } finally {
    await browser.current?.close();
    await served?.close();
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

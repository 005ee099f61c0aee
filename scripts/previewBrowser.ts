/**
 * For the timing scripts: the production build served by `vite preview` on a port, and headless Debian Chromium
 * (WebGPU allowed) pointed at it. `close` stops both.
 */
import { spawn } from 'node:child_process';
import { chromium, type Browser, type Page } from '@playwright/test';

export interface PreviewBrowser {
  base: string;
  page: Page;
  close: () => Promise<void>;
}

async function waitForServer(base: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(base)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('vite preview did not start');
}

/** `dist`: the build folder to serve (`vite build --outDir X`), dist by default. */
export async function openPreview(port: number, dist = 'dist'): Promise<PreviewBrowser> {
  // Its own process group, so that stopping it also stops the node process npx starts (killing npx alone left it serving).
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', dist], { stdio: 'ignore', detached: true });
  const stop = () => {
    try {
      if (server.pid !== undefined) process.kill(-server.pid);
    } catch {
      server.kill();
    }
  };
  const base = `http://127.0.0.1:${port}/`;
  let browser: Browser | null = null;
  try {
    await waitForServer(base);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const opened = browser;
    return {
      base,
      page,
      close: async () => {
        await opened.close();
        stop();
      },
    };
  } catch (error) {
    await browser?.close();
    stop();
    throw error;
  }
}

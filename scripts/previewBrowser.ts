/**
 * For the timing scripts: the production build served by `vite preview` on a port, and headless Debian Chromium
 * (WebGPU allowed) pointed at it. `close` stops both. The server is stopped whatever way the script ends: close(),
 * an error before the page opens, an uncaught error or process.exit (the 'exit' handler), and Ctrl-C or a kill
 * (SIGINT, SIGTERM, SIGHUP: the server is stopped, then the script exits with 128 + the signal's number).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { chromium, type Browser, type Page } from '@playwright/test';

export interface PreviewBrowser {
  base: string;
  page: Page;
  close: () => Promise<void>;
}

async function waitForServer(base: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`vite preview exited (${server.exitCode ?? server.signalCode}) before serving ${base}`);
    try {
      if ((await fetch(base)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('vite preview did not start');
}

/** Whether any process of group `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Starts `command` in its own process group (so that stopping it also stops the node process npx starts: killing
 * npx alone left vite serving) and returns a stop that ends the whole group: SIGTERM, then SIGKILL after 5 s.
 * Until it is stopped, exit and signal handlers stop it too.
 */
export function spawnGroup(command: string, args: readonly string[]): { child: ChildProcess; stop: () => Promise<void> } {
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  const pgid = child.pid;
  let stopped = pgid === undefined;
  const stopNow = () => {
    if (stopped || pgid === undefined) return;
    stopped = true;
    killGroup(pgid, 'SIGTERM');
  };
  const onExit = () => {
    // Synchronous only: the process is going away. SIGKILL, since nothing will be left to wait for a SIGTERM.
    if (!stopped && pgid !== undefined) killGroup(pgid, 'SIGKILL');
    stopped = true;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopNow();
    process.exit(128 + (constants.signals[signal] ?? 1));
  };
  const detach = () => {
    process.off('exit', onExit);
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
  const stop = async () => {
    detach();
    if (pgid === undefined) return;
    stopNow();
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
  };
  return { child, stop };
}

/** `dist`: the build folder to serve (`vite build --outDir X`), dist by default; `config`: a Vite config other than vite.config.ts (its preview headers). */
export async function openPreview(port: number, dist = 'dist', config?: string): Promise<PreviewBrowser> {
  const { child: server, stop } = spawnGroup('npx', ['vite', 'preview', ...(config ? ['--config', config] : []), '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', dist]);
  const base = `http://127.0.0.1:${port}/`;
  let browser: Browser | null = null;
  try {
    await waitForServer(base, server);
    // CHROMIUM_EXTRA_ARGS (space-separated) adds flags for a diagnosis, e.g. "--js-flags=--no-wasm-dynamic-tiering".
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', ...(process.env.CHROMIUM_EXTRA_ARGS ?? '').split(' ').filter(Boolean)] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const opened = browser;
    return {
      base,
      page,
      close: async () => {
        try {
          await opened.close();
        } finally {
          await stop();
        }
      },
    };
  } catch (error) {
    await browser?.close().catch(() => {});
    await stop();
    throw error;
  }
}

/**
 * Checks (a script, not a unit test: it starts servers and Chromium) that scripts/previewBrowser.ts leaves no
 * `vite preview` behind: after close(), after an error thrown with the preview open, and after SIGINT and SIGTERM
 * sent to a script holding it open. Exit code 1 when a server survives.
 *   npx tsx scripts/checkPreviewCleanup.ts [--dist dist-bench]
 * With `--hold PORT` it is the child the signal cases start: it opens a preview on PORT, says "open" and waits.
 */
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { openPreview } from './previewBrowser';

const { values } = parseArgs({ options: { dist: { type: 'string', default: 'dist-bench' }, hold: { type: 'string' }, throw: { type: 'boolean', default: false } } });

if (values.hold) {
  const preview = await openPreview(Number(values.hold), values.dist);
  console.log('open');
  if (values.throw) throw new Error('thrown with the preview open');
  await new Promise(() => {}); // until a signal
  await preview.close();
}

/** Pids of vite preview servers on `port` (ps, as a person would look). */
function previews(port: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args']).toString();
  return out.split('\n').filter((l) => l.includes('vite') && l.includes('preview') && l.includes(`--port ${port}`)).map((l) => l.trim());
}

async function settle(port: number): Promise<string[]> {
  for (let i = 0; i < 30 && previews(port).length; i++) await new Promise((r) => setTimeout(r, 200));
  return previews(port);
}

/** The script holding a preview open, in its own process group as a terminal's foreground job is; resolves when it is open. */
async function holder(port: number): Promise<{ pid: number; exited: Promise<unknown> }> {
  const p = spawn('npx', ['tsx', 'scripts/checkPreviewCleanup.ts', '--hold', String(port), '--dist', values.dist!], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const exited = new Promise((r) => p.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    p.stdout.on('data', (b: Buffer) => b.toString().includes('open') && resolve());
    void exited.then(() => reject(new Error('the holder exited before the preview opened')));
  });
  return { pid: p.pid!, exited };
}

if (!values.hold) {
  let failed = false;
  const report = (name: string, left: string[]) => {
    console.log(`${left.length ? 'FAIL' : 'ok'}: ${name}${left.length ? `: left running: ${left.join('; ')}` : ': no vite preview left'}`);
    if (left.length) failed = true;
  };
  const port = 4191;
  const preview = await openPreview(port, values.dist);
  if (previews(port).length === 0) throw new Error('the check cannot see the server it started (ps pattern)');
  await preview.close();
  report('close()', await settle(port));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const h = await holder(port + 1);
    // Ctrl-C reaches the whole foreground group (npx, tsx, node); the server sits in a group of its own.
    process.kill(-h.pid, signal);
    await h.exited;
    report(`${signal} to the script (its process group, as Ctrl-C)`, await settle(port + 1));
  }
  const thrown = spawn('npx', ['tsx', 'scripts/checkPreviewCleanup.ts', '--hold', String(port + 2), '--dist', values.dist!, '--throw'], { stdio: 'ignore' });
  await new Promise((r) => thrown.on('exit', r));
  report('an uncaught error with the preview open', await settle(port + 2));
  process.exit(failed ? 1 : 0);
}

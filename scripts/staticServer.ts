/**
 * A folder over HTTP on 127.0.0.1 at a free port, for the scripts that load the lab's files as a page or its worker
 * would (scripts/profileWebgpu.ts, scripts/quickDemoStages.ts): GET of a file under the folder ("/" is index.html),
 * 404 for anything else. Not the app's server: `vite preview` serves the app itself (scripts/previewBrowser.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

/** Serves `root`; `base` ends in "/". `close` stops the server. */
export async function serveFolder(root: string): Promise<{ base: string; close: () => Promise<void> }> {
  const top = normalize(root + sep);
  const server = createServer((req, res) => {
    const path = normalize(join(top, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html'))));
    if (!path.startsWith(top) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

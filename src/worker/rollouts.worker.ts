/**
 * The rollout-log worker: streams each File (File.stream(), decoded chunk by chunk with TextDecoder, so a log of
 * hundreds of MB is never one string), feeds the lab's RolloutRunCollector, posts progress at most every 100 ms,
 * and stops between chunks when cancelled. A file that cannot be read is marked, the others still count.
 */
/// <reference lib="webworker" />
import { RolloutRunCollector } from '../lab/rollouts';
import type { RolloutCommand, RolloutEvent } from './rolloutProtocol';

declare const self: DedicatedWorkerGlobalScope;

const cancelled = new Set<string>();
const post = (event: RolloutEvent) => self.postMessage(event);

async function open(requestId: string, files: File[], padToken: string | undefined): Promise<void> {
  const started = performance.now();
  const collector = new RolloutRunCollector(padToken ? { padToken } : {});
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  let before = 0;
  let lastPost = 0;
  let stopped = false;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const feed = collector.addFile(file.name, file.size);
    if (stopped) {
      feed.stop('not read: the reading was cancelled');
      continue;
    }
    const reader = file.stream().getReader();
    const decoder = new TextDecoder('utf-8');
    let read = 0;
    try {
      for (;;) {
        if (cancelled.has(requestId)) {
          stopped = true;
          await reader.cancel();
          feed.push(decoder.decode());
          feed.stop(`cancelled after ${read} of ${file.size} bytes`);
          break;
        }
        const { done, value } = await reader.read();
        if (done) {
          feed.push(decoder.decode());
          feed.end();
          break;
        }
        read += value.byteLength;
        feed.push(decoder.decode(value, { stream: true }));
        const now = performance.now();
        if (now - lastPost > 100) {
          lastPost = now;
          post({ type: 'progress', requestId, file: i, files: files.length, name: file.name, bytesRead: before + read, totalBytes, records: collector.records });
          // A File's chunks resolve without giving the event loop a turn: yield one, so a Cancel message is seen.
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
    } catch (error) {
      feed.stop(`could not be read after ${read} bytes: ${error instanceof Error ? error.message : String(error)}`);
    }
    before += file.size;
  }
  cancelled.delete(requestId);
  post({ type: 'done', requestId, view: collector.view(), cancelled: stopped, seconds: (performance.now() - started) / 1000 });
}

self.onmessage = (e: MessageEvent<RolloutCommand>) => {
  const c = e.data;
  if (c.type === 'cancel') {
    cancelled.add(c.requestId);
    return;
  }
  open(c.requestId, c.files, c.padToken).catch((error: unknown) => {
    post({ type: 'failed', requestId: c.requestId, message: error instanceof Error ? error.message : String(error) });
  });
};

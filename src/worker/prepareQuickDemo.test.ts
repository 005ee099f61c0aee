/**
 * The Quick demo got ready before its click (session.ts, prepareQuickDemo): its files fetched and its task built
 * once, so the load after the click fetches and builds nothing; nothing is prepared over an open lab; a failed
 * fetch is not kept, so the load tries again and says what failed. The app's files come from public/ through a
 * stand-in fetch that counts what is asked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../cli/nodeBackend';
import { currentLab } from './labSession';
import { loadQuickDemo, prepareQuickDemo, whenTaskBuilds } from './session';

const BASE = 'http://lab.test/';
const SHIPPED = new Set(['quick/sft.ckpt', 'quick/prefs.json', 'data/brown.json']);

describe('the Quick demo made ready while the page waits', () => {
  const asked = new Map<string, number>();
  const builds: string[] = [];
  const realFetch = globalThis.fetch;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    globalThis.fetch = (async (input: string | URL | Request) => {
      const url = String(input);
      asked.set(url, (asked.get(url) ?? 0) + 1);
      const path = url.slice(BASE.length);
      return SHIPPED.has(path) ? new Response(readFileSync(join(process.cwd(), 'public', path))) : new Response('not here', { status: 404 });
    }) as typeof fetch;
    whenTaskBuilds((task) => builds.push(task));
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
    whenTaskBuilds(null);
  });
  const urls = [`${BASE}quick/sft.ckpt`, `${BASE}quick/prefs.json`, `${BASE}data/brown.json`] as const;

  it('fetches and builds once; the load after it fetches and builds nothing more', async () => {
    // A file that is not there: the preparation fails, and nothing failed is kept for the load.
    await expect(prepareQuickDemo(`${BASE}quick/missing.ckpt`, urls[1], urls[2])).rejects.toThrow(/the Quick demo's SFT model .*HTTP 404/);
    await expect(loadQuickDemo(`${BASE}quick/missing.ckpt`, urls[1], 'wasm', urls[2])).rejects.toThrow(/HTTP 404/);
    expect(asked.get(`${BASE}quick/missing.ckpt`)).toBe(2);
    expect(builds).toEqual([]);
    asked.clear();

    await prepareQuickDemo(...urls);
    expect(builds).toEqual(['sentiment']);
    expect(currentLab()).toBeNull(); // nothing anyone sees has changed
    const loaded = await loadQuickDemo(urls[0], urls[1], 'wasm', urls[2]);
    expect(builds).toEqual(['sentiment']);
    expect([...asked.values()]).toEqual([1, 1, 1]);
    expect(loaded.summary).toMatchObject({ task: 'sentiment', preset: 'tiny' });
    expect(loaded.pairs.values.pairs).toBeGreaterThan(3000);
    expect(currentLab()).not.toBeNull();

    // A lab is open now: preparing does nothing, not even a fetch.
    asked.clear();
    await prepareQuickDemo(`${BASE}quick/other.ckpt`, urls[1], urls[2]);
    expect(asked.size).toBe(0);
  });
});

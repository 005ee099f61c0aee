import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rolloutsCommand } from './rollouts';

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

describe('npm run lab -- rollouts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints a line per step per method, so a lab download’s PPO and RTO runs never mix, then each file’s summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollouts-cli-'));
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    writeFileSync(a, line({ step: 1, reward: 1, method: 'ppo' }) + line({ step: 1, reward: 3, method: 'rto' }) + 'oops\n');
    writeFileSync(b, line({ step: 1, reward: 2, method: 'ppo', logprobs: [-1, -1], ref_logprobs: [-1.5, -1] }) + line({ step: 2, reward: 5, method: 'rto' }));
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    expect(await rolloutsCommand({ files: [a, b] })).toBe(0);
    expect(out[0]).toMatch(/^rollouts: 2 of 2 files read, 4 records, 2 steps in /);
    const text = out.join('\n');
    const ppo = text.indexOf('method ppo:');
    const rto = text.indexOf('method rto:');
    expect(ppo).toBeGreaterThan(0);
    expect(rto).toBeGreaterThan(ppo);
    const ppoLines = text.slice(ppo, rto).split('\n');
    expect(ppoLines[2]!.trim().split(/\s+/)).toEqual(['1', '2', '1.5000', '±', '0.5000', '0.5000']);
    const rtoLines = text.slice(rto).split('\n');
    expect(rtoLines[2]!.trim().split(/\s+/).slice(0, 3)).toEqual(['1', '1', '3.0000']);
    expect(rtoLines[3]!.trim().split(/\s+/).slice(0, 3)).toEqual(['2', '1', '5.0000']);
    expect(text).toContain(`${a}: 2 records from 3 lines (0 blank, 1 bad)`);
    expect(text).toContain('line 3: not JSON');
  });
});

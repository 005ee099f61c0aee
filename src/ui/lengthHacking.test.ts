import { describe, expect, it } from 'vitest';
import { lengthNote, lengthVerdict } from './lengthHacking';

// Numbers of the tiny sentiment runs: SFT 7.6 tokens, horizon 16.
const sft = { sftGold: 0.058, sftLength: 7.6, lengthCap: 16, goldSe: 0.012 };

describe('the length (reward-hacking) rule', () => {
  it('flags responses that fill the horizon when SFT’s did not', () => {
    expect(lengthVerdict({ ...sft, gold: 0.3, length: 14.4 })).toBe('at-cap'); // 14.4 = 0.9 × 16
    expect(lengthVerdict({ ...sft, gold: 0.3, length: 14.3 })).toBeNull(); // below the cap share, and gold rose
    // A fixed-length task (the oracle: always 10 of 10) is never flagged.
    expect(lengthVerdict({ sftGold: -35, sftLength: 10, lengthCap: 10, gold: -31, goldSe: 0.5, length: 10 })).toBeNull();
  });

  it('flags much longer responses while gold rose by less than two standard errors', () => {
    expect(lengthVerdict({ ...sft, gold: 0.057, length: 12.1 })).toBe('length-only'); // the PPO
    expect(lengthVerdict({ ...sft, gold: 0.058 + 0.0239, length: 12.1 })).toBe('length-only');
    expect(lengthVerdict({ ...sft, gold: 0.058 + 0.0241, length: 12.1 })).toBeNull(); // gold rose by > 2 SE
    expect(lengthVerdict({ ...sft, gold: 0.05, length: 9.5 })).toBeNull(); // +1.9 tokens: under max(2, 1.9)
    expect(lengthVerdict({ ...sft, gold: 0.05, length: 9.6 })).toBe('length-only');
    expect(lengthVerdict({ ...sft, gold: 0.05, goldSe: NaN, length: 12 })).toBeNull(); // no SE, no verdict on gold
  });

  it('says so in words with the numbers', () => {
    expect(lengthNote('PPO', { ...sft, gold: 0.2, length: 9 })).toBeNull();
    expect(lengthNote('RTO', { ...sft, gold: 0.053, length: 14.2, goldSe: 0.01 })).toMatch(/^RTO: its responses grew from 7\.6 to 14\.2 tokens while gold moved by only -0\.005 .*reward hacking/);
    expect(lengthNote('PPO', { ...sft, gold: 0.2, length: 15.1 })).toMatch(/^PPO: its responses average 15\.1 of at most 16 tokens \(SFT's 7\.6\).*reward hacking/);
  });
});

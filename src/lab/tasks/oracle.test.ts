import { describe, expect, it } from 'vitest';
import { BOS, EOS, PAD, SPECIAL_TOKENS, UNK } from '../data/tokenizer';
import {
  ORACLE_CONTENT_TOKENS,
  ORACLE_FIRST_CONTENT as FIRST,
  ORACLE_HORIZON,
  oracleTask,
  oracleTeacher,
  type TeacherPrev,
} from './oracle';
import type { Example } from './task';

const task = oracleTask({ seed: 42 });
const teacher = oracleTeacher(42);
const all: Example[] = [...task.heldOut, ...task.train];
const contentIds = Array.from({ length: ORACLE_CONTENT_TOKENS }, (_, j) => FIRST + j);
const prevs: TeacherPrev[] = ['start', ...contentIds];
const rewards = (response: number[]): number[] => task.trueTokenRewards?.([BOS], response) ?? [];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** log-softmax written out again here, so the task's own softmax is not checked against itself. */
function independentLogProb(row: Float64Array, j: number): number {
  const lse = Math.log(Array.from(row).reduce((s, v) => s + Math.exp(v), 0));
  return (row[j] as number) - lse;
}

/** Counts of next content token by previous token (rows in `prevs` order: 'start' first) over all SFT responses. */
function transitionCounts(): number[][] {
  const counts = prevs.map(() => new Array<number>(ORACLE_CONTENT_TOKENS).fill(0));
  for (const e of all) {
    let row = 0; // 'start'
    for (const id of e.response.slice(0, -1)) {
      const r = counts[row] as number[];
      r[id - FIRST] = (r[id - FIRST] ?? 0) + 1;
      row = id - FIRST + 1;
    }
  }
  return counts;
}

/** Pearson chi-square of the transition counts against a conditional distribution, divided by its 21·19 dof. */
function chiSquarePerDof(dist: (prev: TeacherPrev) => ArrayLike<number>): number {
  let chi = 0;
  transitionCounts().forEach((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    const p = dist(prevs[i] as TeacherPrev);
    row.forEach((o, j) => {
      const e = n * (p[j] as number);
      chi += ((o - e) * (o - e)) / e;
    });
  });
  return chi / (prevs.length * (ORACLE_CONTENT_TOKENS - 1));
}

describe('oracleTask (Proposition 3.2 setting)', () => {
  it('has the shape the RL stages rely on', () => {
    expect(task.name).toBe('oracle');
    expect(task.tokenizer.size).toBe(24);
    expect(task.tokenizer.vocab).toEqual([...SPECIAL_TOKENS, ...'abcdefghijklmnopqrst'.split('')]);
    expect(task.horizon).toBe(ORACLE_HORIZON);
    expect(ORACLE_HORIZON).toBe(10);
    expect(task.maxPromptLength).toBe(5);
    expect(task.eosAllowedFrom).toBe(9);
    expect(task.forbiddenTokens).toEqual([PAD, BOS, UNK]);
    expect(task.heldOut.length).toBe(400);
    expect(task.train.length).toBe(7600);
  });

  it('makes every example <bos> + 4 content tokens → 9 content tokens + <eos>', () => {
    const isContent = (id: number): boolean => id >= FIRST && id < FIRST + ORACLE_CONTENT_TOKENS;
    const bad = all.filter(
      (e) =>
        e.prompt.length !== 5 ||
        e.prompt[0] !== BOS ||
        !e.prompt.slice(1).every(isContent) ||
        e.response.length !== 10 ||
        e.response[9] !== EOS ||
        !e.response.slice(0, 9).every(isContent),
    );
    expect(bad).toEqual([]);
    // Prompts are uniform: every content token shows up in the first prompt slot, about 8000/20 = 400 times each.
    const firstSlot = contentIds.map((id) => all.filter((e) => e.prompt[1] === id).length);
    expect(Math.min(...firstSlot)).toBeGreaterThan(320);
    expect(Math.max(...firstSlot)).toBeLessThan(480);
  });

  it('sums the token rewards into the gold reward, for every SFT response', () => {
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const worst = Math.max(...all.map((e) => Math.abs(task.goldReward(e.response) - sum(rewards(e.response)))));
    expect(worst).toBeLessThan(1e-9);
  });

  it('gives r* = log π*: at most 0, and exp sums to 1 over the 20 tokens after every prev', () => {
    for (const prev of prevs) {
      // 'start' is read at position 0; a content prev sits at position 0 and is read at position 1.
      const r = contentIds.map((c) => (prev === 'start' ? rewards([c, EOS])[0] : rewards([prev, c, EOS])[1]) as number);
      expect(Math.max(...r)).toBeLessThanOrEqual(0);
      expect(r.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 12);
    }
  });

  it('matches a hand-computed gold for a fixed response (seed 42, golden)', () => {
    const response = [...task.tokenizer.encode('a b c d e f g h i'.split(' ')), EOS];
    let expected = independentLogProb(teacher.logits[ORACLE_CONTENT_TOKENS] as Float64Array, 0); // 'a' after start
    for (let h = 1; h < 9; h++) expected += independentLogProb(teacher.logits[h - 1] as Float64Array, h);
    expect(task.goldReward(response)).toBeCloseTo(expected, 10);
    // Pinned: changes if the rng, the draw order or the reward definition changes.
    expect(task.goldReward(response)).toBeCloseTo(-42.51931, 4);
  });

  it('scores <eos> and what follows it 0, and a special token before <eos> −20 (then skips it)', () => {
    const [a, b] = [FIRST, FIRST + 1];
    expect(rewards([a, b, EOS, PAD, PAD])).toEqual([teacher.logProb('start', a), teacher.logProb(a, b), 0, 0, 0]);
    expect(rewards([a, PAD, b, EOS])).toEqual([teacher.logProb('start', a), -20, teacher.logProb(a, b), 0]);
    expect(task.goldReward([UNK, a, EOS])).toBeCloseTo(-20 + teacher.logProb('start', a), 12);
    expect(() => task.goldReward([a, 24])).toThrow(RangeError);
    // The prompt does not enter r*, but a swapped (prompt, response) pair is caught.
    expect(task.trueTokenRewards?.([BOS, a, a, a, a], [a, EOS])).toEqual(rewards([a, EOS]));
    expect(() => task.trueTokenRewards?.([a, a, a, a, a, a, a, a, a, EOS], [a, EOS])).toThrow(RangeError);
  });

  it('is deterministic for a seed and different for another', () => {
    const again = oracleTask({ seed: 42 });
    expect(again.train).toEqual(task.train);
    expect(again.heldOut).toEqual(task.heldOut);
    const other = oracleTask({ seed: 43 });
    expect(other.train.slice(0, 20)).not.toEqual(task.train.slice(0, 20));
    expect(oracleTeacher(43).logits).not.toEqual(teacher.logits);
    const response = all[0]?.response ?? [];
    expect(other.goldReward(response)).not.toBeCloseTo(task.goldReward(response), 3);
  });

  it('honours sftExamples and heldOutFraction, and rejects bad ones', () => {
    const small = oracleTask({ seed: 42, sftExamples: 100, heldOutFraction: 0.1 });
    expect(small.heldOut.length).toBe(10);
    expect(small.train.length).toBe(90);
    expect(() => oracleTask({ seed: 42, heldOutFraction: 1 })).toThrow(RangeError);
    expect(() => oracleTask({ seed: 42, sftExamples: 0 })).toThrow(RangeError);
  });

  it('samples SFT responses from the base distribution, not from π*', () => {
    // 72,000 transitions. Against p_base the statistic is ~1 per dof: measured 0.96 at seed 42 and 0.89–1.13 over
    // seeds 0–19; its sd per dof is √(2/399) ≈ 0.07, so 0.7–1.3 is > 4 sd. Against the sharper π* it is 1,000–2,400.
    const base = chiSquarePerDof((prev) => teacher.baseProbs(prev));
    const star = chiSquarePerDof((prev) => contentIds.map((c) => Math.exp(teacher.logProb(prev, c))));
    expect(base).toBeGreaterThan(0.7);
    expect(base).toBeLessThan(1.3);
    expect(star).toBeGreaterThan(100);
  });

  it('leaves room to improve: SFT responses score far below the greedy path of π*', () => {
    const greedy: number[] = [];
    let prev: TeacherPrev = 'start';
    for (let h = 0; h < ORACLE_HORIZON - 1; h++) {
      const logps = contentIds.map((c) => teacher.logProb(prev, c));
      prev = FIRST + logps.indexOf(Math.max(...logps));
      greedy.push(prev);
    }
    const greedyGold = task.goldReward([...greedy, EOS]);
    const sftGold = mean(all.map((e) => task.goldReward(e.response)));
    // Measured at seed 42: SFT mean −33.15 (sd 6.0, best −13.25), greedy −6.87.
    expect(sftGold).toBeCloseTo(-33.15, 1);
    expect(greedyGold).toBeCloseTo(-6.87, 2);
    expect(Math.max(...all.map((e) => task.goldReward(e.response)))).toBeLessThan(greedyGold);
  });
});

/**
 * Seeded randomness for the whole lab. Nothing in src/lab draws unseeded random numbers: the same seed gives the
 * same numbers on every backend and in every shell (worker, Node CLI, tests).
 *
 * Generator: mulberry32 (32-bit state, period 2^32), enough for toy-scale sampling and initialisation. Its whole
 * state (the 32-bit counter and Box–Muller's spare normal) can be read and restored, so a run that stops and goes on
 * later draws exactly the numbers it would have drawn without stopping.
 */
import type { RngState } from './lab/snapshot';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** A new generator whose stream is independent of this one's future draws. */
  fork(): Rng;
  /** The generator's whole state now: createRng(anything, state) or restoreRng(state) continues from here. */
  state(): RngState;
}

/** Hashes a string or number to a 32-bit seed (FNV-1a over the decimal text), so "42" and 42 agree. */
export function seedOf(seed: number | string): number {
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Refuses a state that no generator can be in, with a message that says what is wrong. */
export function validateRngState(s: RngState): void {
  if (!Number.isInteger(s.state) || s.state < 0 || s.state > 0xffffffff) throw new RangeError(`an rng state must be a 32-bit unsigned integer, got ${s.state}`);
  if (s.spareNormal !== null && !Number.isFinite(s.spareNormal)) throw new RangeError(`an rng state's spare normal must be a finite number or null, got ${s.spareNormal}`);
}

/** A generator seeded with `seed`; given `from` (an earlier generator's state()), it continues that stream instead. */
export function createRng(seed: number | string, from?: RngState): Rng {
  if (from) validateRngState(from);
  let state = from ? from.state : seedOf(seed);
  let spareNormal: number | null = from ? from.spareNormal : null;

  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };

  const rng: Rng = {
    next: () => nextUint32() / 4294967296,
    int: (n: number) => {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int needs a positive integer, got ${n}`);
      return Math.floor(rng.next() * n);
    },
    normal: () => {
      if (spareNormal !== null) {
        const z = spareNormal;
        spareNormal = null;
        return z;
      }
      // 1 - next() is in (0, 1], so the log is finite.
      const u = 1 - rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: () => createRng(nextUint32()),
    state: () => ({ state, spareNormal }),
  };
  return rng;
}

/** The generator whose state() was `s`: it draws what that one would have drawn next. */
export function restoreRng(s: RngState): Rng {
  return createRng(0, s);
}

/** A Float32Array of n draws from N(0, std²). */
export function normalArray(rng: Rng, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

/** A Float32Array of n draws from U[lo, hi). */
export function uniformArray(rng: Rng, n: number, lo = 0, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

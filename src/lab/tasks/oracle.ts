/**
 * The oracle task: the paper's Proposition 3.2 setting. A hidden teacher LM π* (a random bigram table) defines the
 * true token reward r*(s, a) = log π*(a | prev), so token-level credit is known exactly and a learned reward (DPO's
 * implicit token reward, the RM) can be compared with it. SFT data comes from a broader, flatter "base" distribution,
 * which leaves room for RLHF to move the policy towards π*.
 */
import { createRng, type Rng } from '../rng';
import { BOS, EOS, PAD, SPECIAL_TOKENS, UNK, tokenizerFromVocab } from '../data/tokenizer';
import type { Example, Task } from './task';

export interface OracleOptions {
  seed: number | string;
  /** Responses sampled from the base distribution, held-out included; default 8,000. */
  sftExamples?: number;
  /** Share of examples kept out of SFT training to measure held-out loss; default 0.05. */
  heldOutFraction?: number;
}

/** Response tokens, <eos> included: 9 content tokens then <eos>, always (a fixed horizon, see below). */
export const ORACLE_HORIZON = 10;
export const ORACLE_CONTENT_TOKENS = 20;
/** Content tokens after <bos> in every prompt. */
export const ORACLE_PROMPT_TOKENS = 4;
/** The first content token's id: the specials come first. */
export const ORACLE_FIRST_CONTENT = SPECIAL_TOKENS.length;
/**
 * r* of <pad>/<bos>/<unk> inside a response: the policy masks them, but a hand-typed or buggy response can contain
 * them, and it must score worse than any content token does in practice (the worst log π* of the tables for seeds
 * 0, 1, 7, 42 and 'lab' lies between −9.5 and −12.9).
 */
export const ORACLE_INVALID_TOKEN_REWARD = -20;

const TEACHER_LOGIT_STD = 2;
const BASE_TEMPERATURE = 3;
const BASE_UNIFORM_SHARE = 0.2;
const START_ROW = ORACLE_CONTENT_TOKENS;

/** The token before a response token: a content token id, or 'start' for the first response token. */
export type TeacherPrev = number | 'start';

export interface OracleTeacher {
  /**
   * Logits of π*: row i follows content token ORACLE_FIRST_CONTENT + i, row 20 (the 'start' row) opens every
   * response; column j is content token ORACLE_FIRST_CONTENT + j.
   */
  logits: readonly Float64Array[];
  /** log π*(token | prev) for a content token. */
  logProb(prev: TeacherPrev, token: number): number;
  /** p_base(· | prev) = 0.8·softmax(logits[prev] / 3) + 0.2·uniform; column j as in `logits`. */
  baseProbs(prev: TeacherPrev): Float64Array;
}

const isContent = (id: number): boolean =>
  Number.isInteger(id) && id >= ORACLE_FIRST_CONTENT && id < ORACLE_FIRST_CONTENT + ORACLE_CONTENT_TOKENS;

function rowOf(prev: TeacherPrev): number {
  if (prev === 'start') return START_ROW;
  if (!isContent(prev)) throw new RangeError(`previous token must be a content token or 'start', got ${prev}`);
  return prev - ORACLE_FIRST_CONTENT;
}

function softmax(logits: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) max = Math.max(max, (logits[j] ?? 0) / temperature);
  let total = 0;
  for (let j = 0; j < logits.length; j++) {
    out[j] = Math.exp((logits[j] ?? 0) / temperature - max);
    total += out[j] ?? 0;
  }
  for (let j = 0; j < out.length; j++) out[j] = (out[j] ?? 0) / total;
  return out;
}

function drawTeacher(rng: Rng): OracleTeacher {
  // 20 "after token i" rows, then the start row, drawn alike: the first response token's reward then depends on no
  // prompt token, so goldReward(response) needs no prompt (the Task interface gives it none).
  const logits: Float64Array[] = [];
  for (let row = 0; row <= START_ROW; row++) {
    const r = new Float64Array(ORACLE_CONTENT_TOKENS);
    for (let j = 0; j < ORACLE_CONTENT_TOKENS; j++) r[j] = rng.normal() * TEACHER_LOGIT_STD;
    logits.push(r);
  }
  const logProbs = logits.map((r) => softmax(r, 1).map(Math.log));
  const base = logits.map((r) =>
    softmax(r, BASE_TEMPERATURE).map((p) => (1 - BASE_UNIFORM_SHARE) * p + BASE_UNIFORM_SHARE / ORACLE_CONTENT_TOKENS),
  );
  return {
    logits,
    logProb: (prev, token) => {
      if (!isContent(token)) throw new RangeError(`token must be a content token, got ${token}`);
      return (logProbs[rowOf(prev)] as Float64Array)[token - ORACLE_FIRST_CONTENT] as number;
    },
    baseProbs: (prev) => Float64Array.from(base[rowOf(prev)] as Float64Array),
  };
}

/** The hidden teacher π* of `oracleTask({ seed })`: the same draws, for tests and for plots of the true reward. */
export function oracleTeacher(seed: number | string): OracleTeacher {
  return drawTeacher(createRng(seed).fork());
}

/**
 * r*(s_h, a_h) per response token: log π*(a | prev) for a content token, 0 for the first <eos> (the teacher does not
 * model the stop; the horizon is fixed) and for everything after it, −20 for another special token (which is then
 * skipped: the next token is conditioned on the last content token, or on 'start').
 */
export function oracleTokenRewards(teacher: OracleTeacher, response: readonly number[]): number[] {
  const rewards: number[] = [];
  let prev: TeacherPrev = 'start';
  let ended = false;
  for (const id of response) {
    if (!Number.isInteger(id) || id < 0 || id >= ORACLE_FIRST_CONTENT + ORACLE_CONTENT_TOKENS) {
      throw new RangeError(`token id ${id} is outside the oracle vocabulary`);
    }
    if (ended || id === EOS) {
      ended = true;
      rewards.push(0);
    } else if (isContent(id)) {
      rewards.push(teacher.logProb(prev, id));
      prev = id;
    } else {
      rewards.push(ORACLE_INVALID_TOKEN_REWARD);
    }
  }
  return rewards;
}

function sampleIndex(probs: Float64Array, rng: Rng): number {
  let u = rng.next();
  for (let j = 0; j < probs.length; j++) {
    u -= probs[j] ?? 0;
    if (u < 0) return j;
  }
  return probs.length - 1; // rounding left u a hair above 0
}

export function oracleTask(options: OracleOptions): Task {
  const heldOutFraction = options.heldOutFraction ?? 0.05;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
    throw new RangeError(`heldOutFraction must be in [0, 1), got ${heldOutFraction}`);
  }
  const n = options.sftExamples ?? 8000;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sftExamples must be a positive integer, got ${n}`);

  const rng = createRng(options.seed);
  const teacher = drawTeacher(rng.fork()); // first fork: oracleTeacher(seed) replays it
  // Separate streams, so changing how prompts are drawn does not change the responses, and vice versa.
  const promptRng = rng.fork();
  const responseRng = rng.fork();
  const contentNames = Array.from({ length: ORACLE_CONTENT_TOKENS }, (_, j) => String.fromCharCode(97 + j)); // a … t
  const tokenizer = tokenizerFromVocab([...SPECIAL_TOKENS, ...contentNames]);

  const examples: Example[] = [];
  for (let i = 0; i < n; i++) {
    const prompt = [BOS];
    for (let k = 0; k < ORACLE_PROMPT_TOKENS; k++) {
      prompt.push(ORACLE_FIRST_CONTENT + promptRng.int(ORACLE_CONTENT_TOKENS));
    }
    const response: number[] = [];
    let prev: TeacherPrev = 'start';
    for (let h = 0; h < ORACLE_HORIZON - 1; h++) {
      prev = ORACLE_FIRST_CONTENT + sampleIndex(teacher.baseProbs(prev), responseRng);
      response.push(prev);
    }
    response.push(EOS);
    examples.push({ prompt, response });
  }
  // Examples are i.i.d., so the front is as good a held-out sample as a shuffled one.
  const heldOutCount = Math.round(n * heldOutFraction);
  const maxPromptLength = 1 + ORACLE_PROMPT_TOKENS;

  return {
    name: 'oracle',
    tokenizer,
    horizon: ORACLE_HORIZON,
    maxPromptLength,
    train: examples.slice(heldOutCount),
    heldOut: examples.slice(0, heldOutCount),
    forbiddenTokens: [PAD, BOS, UNK],
    // <eos> only at the last position: a gold reward that allows an early stop is length-hacked (docs/method.md, "Pitfalls" 2).
    eosAllowedFrom: ORACLE_HORIZON - 1,
    goldReward: (response) => oracleTokenRewards(teacher, response).reduce((a, b) => a + b, 0),
    trueTokenRewards: (prompt, response) => {
      // The prompt does not enter r* (see drawTeacher); checking its length catches swapped arguments.
      if (prompt.length < 1 || prompt.length > maxPromptLength) {
        throw new RangeError(`an oracle prompt has 1 to ${maxPromptLength} tokens, got ${prompt.length}`);
      }
      return oracleTokenRewards(teacher, response);
    },
  };
}

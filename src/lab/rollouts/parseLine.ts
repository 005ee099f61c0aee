/**
 * Validates one line of a rollout log against the RL Logging Board convention: a JSON object whose known fields
 * have the right types (finite numbers, a whole-number step, arrays of strings or of finite numbers). Every field
 * may be missing (null counts as missing); unknown keys are ignored. Per-token arrays are aligned with
 * response_tokens from the first token: when trailing pad tokens are stripped (options.padToken) or an array is one
 * shorter than response_tokens, the tokens past the shortest array are dropped and counted.
 */
import { NUMBER_FIELDS, TEXT_FIELDS, TOKEN_ARRAY_FIELDS, type RolloutRecord, type TokenArrayField } from './fields';

export interface ParseOptions {
  /** The pad token (e.g. "<|endoftext|>"): trailing ones are stripped from response_tokens and response, leading and trailing ones from prompt. */
  padToken?: string;
}

export type ParsedLine =
  | { ok: true; record: RolloutRecord; unknownKeys: string[]; droppedTokens: number; strippedPadTokens: number }
  | { ok: false; reason: string };

const TEXT_SET: ReadonlySet<string> = new Set(TEXT_FIELDS);
const NUMBER_SET: ReadonlySet<string> = new Set(NUMBER_FIELDS);
const ARRAY_SET: ReadonlySet<string> = new Set(TOKEN_ARRAY_FIELDS);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : typeof v === 'number' ? `the number ${v}` : typeof v === 'object' ? 'an object' : typeof v;
}

function fail(reason: string): ParsedLine {
  return { ok: false, reason };
}

/** One line of a rollout log: the record, or why it cannot be used. `lineNumber` goes into the record. */
export function parseRolloutLine(text: string, lineNumber: number, options: ParseOptions = {}): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const nonFinite = /(^|[^A-Za-z"])(-?Infinity|NaN)([^A-Za-z"]|$)/.test(text);
    return fail(nonFinite ? `not JSON: it holds NaN or Infinity, which JSON does not allow (${why})` : `not JSON (${why})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(`not a JSON object (${typeName(value)})`);
  const obj = value as Record<string, unknown>;
  const record: RolloutRecord = { line: lineNumber };
  const unknownKeys: string[] = [];
  const arrays: TokenArrayField[] = [];
  for (const key in obj) {
    const v = obj[key];
    if (v === null || v === undefined) continue;
    if (key === 'step') {
      if (typeof v !== 'number') return fail(`step must be a whole number, got ${typeName(v)}`);
      if (!Number.isFinite(v)) return fail(`step is not finite (${v})`);
      if (!Number.isInteger(v) || v < 0) return fail(`step must be a whole number ≥ 0, got ${v}`);
      record.step = v;
    } else if (TEXT_SET.has(key)) {
      if (typeof v !== 'string') return fail(`${key} must be a string, got ${typeName(v)}`);
      (record as unknown as Record<string, string>)[key] = v;
    } else if (NUMBER_SET.has(key)) {
      if (typeof v !== 'number') return fail(`${key} must be a number, got ${typeName(v)}`);
      if (!Number.isFinite(v)) return fail(`${key} is not finite (${v})`);
      (record as unknown as Record<string, number>)[key] = v;
    } else if (key === 'response_tokens') {
      if (!Array.isArray(v)) return fail(`response_tokens must be an array of strings, got ${typeName(v)}`);
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'string') return fail(`response_tokens[${i}] must be a string, got ${typeName(v[i])}`);
      }
      record.response_tokens = v as string[];
    } else if (ARRAY_SET.has(key)) {
      if (!Array.isArray(v)) return fail(`${key} must be an array of numbers, got ${typeName(v)}`);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x !== 'number') return fail(`${key}[${i}] must be a number, got ${typeName(x)}`);
        if (!Number.isFinite(x)) return fail(`${key}[${i}] is not finite (${x})`);
      }
      (record as unknown as Record<string, number[]>)[key] = v as number[];
      arrays.push(key as TokenArrayField);
    } else {
      unknownKeys.push(key);
    }
  }
  const pad = options.padToken;
  let strippedPadTokens = 0;
  if (pad) {
    if (record.prompt !== undefined) record.prompt = stripPad(record.prompt, pad, true);
    if (record.response !== undefined) record.response = stripPad(record.response, pad, false);
    const tokens = record.response_tokens;
    if (tokens) {
      let n = tokens.length;
      while (n > 0 && tokens[n - 1] === pad) n--;
      strippedPadTokens = tokens.length - n;
      if (strippedPadTokens > 0) {
        record.response_tokens = tokens.slice(0, n);
        // Values scored on the stripped pad tokens go with them.
        for (const f of arrays) if (record[f]!.length > n) record[f] = record[f]!.slice(0, n);
      }
    }
  }
  const aligned = alignArrays(record, arrays);
  if (typeof aligned === 'string') return fail(aligned);
  return { ok: true, record, unknownKeys, droppedTokens: aligned, strippedPadTokens };
}

/** Drops runs of `pad` at the end of `text` (and at its start when `leading`). */
function stripPad(text: string, pad: string, leading: boolean): string {
  let end = text.length;
  while (end >= pad.length && text.startsWith(pad, end - pad.length)) end -= pad.length;
  let start = 0;
  if (leading) while (start + pad.length <= end && text.startsWith(pad, start)) start += pad.length;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Aligns the per-token arrays with response_tokens (or, without tokens, with each other) from the first token:
 * arrays at most one shorter than the tokens are allowed, the tokens past the shortest array are dropped, and so are
 * other arrays' values there. Returns the number of tokens dropped, or the reason the lengths cannot be aligned.
 */
function alignArrays(record: RolloutRecord, arrays: readonly TokenArrayField[]): number | string {
  if (arrays.length === 0) return 0;
  const tokens = record.response_tokens;
  if (!tokens) {
    const n = record[arrays[0]!]!.length;
    for (const f of arrays) {
      const len = record[f]!.length;
      if (len !== n) return `${f} has ${len} values but ${arrays[0]} has ${n} (and there are no response_tokens to align them with)`;
    }
    return 0;
  }
  const t = tokens.length;
  let shortest = t;
  for (const f of arrays) {
    const len = record[f]!.length;
    if (len > t) return `${f} has ${len} values for ${t} response_tokens (more values than tokens)`;
    if (len < t - 1) return `${f} has ${len} values for ${t} response_tokens (a reader aligns at most one missing value; pass the pad token if the rest are unscored pads)`;
    shortest = Math.min(shortest, len);
  }
  if (shortest === t) return 0;
  record.response_tokens = tokens.slice(0, shortest);
  for (const f of arrays) if (record[f]!.length > shortest) record[f] = record[f]!.slice(0, shortest);
  return t - shortest;
}

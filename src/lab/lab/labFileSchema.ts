/**
 * The lab file's header as a zod schema (labFile.ts): a LabSnapshot in which every tensor's Float32Array is an
 * {offset, length} reference into the file's float32 data section. Strict objects throughout, so a missing or an
 * unknown field is refused and named; the free JSON the shells record (stage summaries, run jobs, run events) is only
 * checked to be a JSON object and passes through untouched. Also LabFileError, the one error the codec throws.
 *
 * Numbers that may honestly be NaN (0/0 ratios: a preference set's tie rate, zero share and agreement; an RL
 * evaluation's standard errors) are written as null and read back as NaN. Every other number must be finite.
 */
import { z } from 'zod';
import { PRESET_NAMES } from '../config';
import type { TaskName } from '../tasks/task';
import { LAB_FORMAT, LAB_VERSION, type LabSnapshot } from './snapshot';

export type LabFileErrorCode = 'signature' | 'version' | 'schema' | 'shape' | 'vocabulary' | 'non-finite' | 'size' | 'truncated';

/** Why a lab file cannot be read (or a snapshot cannot be written): `code` for the program, `message` for people. */
export class LabFileError extends Error {
  override readonly name = 'LabFileError';
  constructor(
    readonly code: LabFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const TASK_NAMES = ['sentiment', 'oracle'] as const satisfies readonly TaskName[];
// Fails to compile when a task is added to TaskName and not here.
const everyTask: Exclude<TaskName, (typeof TASK_NAMES)[number]> extends never ? true : never = true;
void everyTask;

const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
/** A ratio that is NaN when its denominator is 0: null in the file. */
const ratio = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);
/** The stage summaries, a run's job and its events: any JSON object, passed through as it is. */
const jsonObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected a JSON object');

/** Where a tensor's floats are in the data section, in floats (not bytes) from its start. */
export const tensorRef = z.strictObject({ offset: count, length: count });
export type TensorRef = z.infer<typeof tensorRef>;

function schemaWith<D extends z.ZodType>(data: D) {
  const tensor = z.strictObject({ name: z.string().min(1), shape: z.array(count), data });
  const model = z.strictObject({
    config: z.strictObject({ vocabSize: positive, contextLength: positive, layers: positive, heads: positive, width: positive, scalarHead: z.boolean() }),
    tensors: z.array(tensor),
  });
  const adam = z.strictObject({ t: count, m: z.array(tensor), v: z.array(tensor) });
  const tokens = z.array(count).min(1);
  const pair = z.strictObject({ prompt: tokens, chosen: tokens, rejected: tokens, goldChosen: z.number(), goldRejected: z.number() });
  const stats = z.strictObject({ prompts: count, pairs: count, ties: count, tieRate: ratio, zeroShare: ratio, agreement: ratio });
  const built = { key: z.string(), summary: jsonObject };
  const resume = z.strictObject({
    iteration: count,
    step: count,
    episodes: count,
    actor: z.array(tensor),
    critic: z.array(tensor).nullable(),
    actorAdam: adam,
    criticAdam: adam.nullable(),
    rng: z.strictObject({ state: z.number().int().min(0).max(0xffffffff), spareNormal: z.number().nullable() }),
    promptStream: z.strictObject({ order: z.array(count), index: count }),
    history: z.array(z.record(z.string(), ratio)),
  });
  return z.strictObject({
    format: z.literal(LAB_FORMAT),
    version: z.literal(LAB_VERSION),
    appVersion: z.string(),
    savedAt: z.iso.datetime(),
    id: z.string().min(1),
    task: z.enum(TASK_NAMES),
    preset: z.enum(PRESET_NAMES),
    vocab: z.array(z.string()).min(1),
    sft: z.strictObject({ ...built, model }).nullable(),
    pairs: z.strictObject({ ...built, train: z.array(pair).min(1), heldOut: z.array(pair), stats: z.strictObject({ train: stats, heldOut: stats }) }).nullable(),
    rm: z.strictObject({ ...built, model, norm: z.strictObject({ mean: z.number(), std: z.number().positive() }) }).nullable(),
    dpo: z.strictObject({ ...built, model, beta: z.number(), rto: z.strictObject({ beta1: z.number(), clip: z.number() }) }).nullable(),
    runs: z.array(
      z.strictObject({
        runId: z.string().min(1),
        job: jsonObject,
        status: z.enum(['running', 'finished', 'failed', 'cancelled']),
        events: z.array(jsonObject),
        resume: resume.nullable(),
      }),
    ),
  });
}

/** The header as stored: tensors hold references. */
export const labHeaderSchema = schemaWith(tensorRef);
export type LabHeader = z.output<typeof labHeaderSchema>;

// The schema describes LabSnapshot exactly once the references are floats again: a change to snapshot.ts that the
// schema does not follow fails to compile here.
type Decoded = z.output<ReturnType<typeof schemaWith<z.ZodCustom<Float32Array, Float32Array>>>>;
const decodedIsSnapshot = (d: Decoded): LabSnapshot => d;
const snapshotIsDecoded = (s: LabSnapshot): Decoded => s;
void decodedIsSnapshot;
void snapshotIsDecoded;

/** `runs[0].events[3].loss` for a path of keys and indices. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(the header itself)';
}

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length ? `${where}.` : '';
    return issue.keys.map((k) => `unexpected field ${prefix}${k}`).join('; ');
  }
  if (issue.code === 'invalid_type' && issue.path.length > 0) {
    const parent = at(raw, issue.path.slice(0, -1));
    const key = issue.path[issue.path.length - 1] as PropertyKey;
    if (typeof parent === 'object' && parent !== null && !Object.prototype.hasOwnProperty.call(parent, key)) return `missing field ${where}`;
  }
  return `${where}: ${issue.message}`;
}

/** Checks the parsed header JSON against the schema; the first three problems, each with its path, in the message. */
export function parseLabHeader(raw: unknown): LabHeader {
  const parsed = labHeaderSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const shown = issues.slice(0, 3).map((i) => describeIssue(i, raw));
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  throw new LabFileError('schema', `this lab file's contents are not what RTO Lab writes: ${shown.join('; ')}${more}`);
}

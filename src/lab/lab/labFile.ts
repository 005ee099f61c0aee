/**
 * The lab file: a whole lab (LabSnapshot: models, pairs, RM norm, runs) as one self-checking binary file that the
 * page downloads and loads and the CLI reads. Pure: no DOM, no tensors.
 *
 * Layout (all integers and floats little-endian):
 *   bytes 0–7   the signature "RTOLABF\n" (a single-model checkpoint starts "RTOLAB1\n" instead: checkpoint.ts)
 *   bytes 8–11  u32: the header's length in bytes, H
 *   12…12+H     the header: UTF-8 JSON of the whole snapshot, format "rto-lab/lab", version 1, in which every tensor's
 *               `data` is {offset, length}: where its floats are in the data section, counted in floats
 *   …           zero padding to a multiple of 4 bytes (readers ignore it)
 *   data        float32: every tensor's floats, back to back, in the order tensorLists() gives; nothing after
 *
 * Numbers: model and optimiser floats are always finite (encodeLabFile refuses to write NaN or ±Infinity). In the
 * header, the 0/0 ratios of preference stats and RL evaluation points are NaN as null (read back as NaN); the free JSON
 * of stage summaries, run jobs and run events has NaN and ±Infinity written as null (JSON has no NaN; they come back
 * as null, as snapshot.ts says of events); every other number must be finite. A reader refuses a file that is larger
 * than maxBytes (LAB_FILE_MAX_BYTES unless told) before reading anything.
 */
import type { PreferencePair, PreferenceStats } from '../train/preferences';
import type { GptConfig } from '../model/gpt';
import { PRESET_NAMES } from '../config';
import { LabFileError, TASK_NAMES, formatPath, type TensorRef } from './labFileSchema';
import { checkFinite, checkHeader, findNonFinite, isFreeJson, tensorLists } from './labFileChecks';
import { LAB_FORMAT, LAB_VERSION, type LabSnapshot, type TensorBlob } from './snapshot';

export { LabFileError, type LabFileErrorCode } from './labFileSchema';

export const LAB_FILE_SIGNATURE = 'RTOLABF\n';
export const LAB_FILE_EXTENSION = '.rtolab';
/** The largest lab file read unless the caller says otherwise, and the largest one written. */
export const LAB_FILE_MAX_BYTES = 512 * 2 ** 20;

const CHECKPOINT_SIGNATURE = 'RTOLAB1\n';
const PREFIX = LAB_FILE_SIGNATURE.length + 4;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

// ---------------------------------------------------------------------------------------------------- writing

function copyTensors(list: readonly TensorBlob[]): TensorBlob[] {
  return list.map((t) => ({ name: t.name, shape: [...t.shape], data: t.data }));
}
const nullIfNaN = (x: number) => (Number.isNaN(x) ? null : x);
function statsOut(s: PreferenceStats) {
  return { prompts: s.prompts, pairs: s.pairs, ties: s.ties, tieRate: nullIfNaN(s.tieRate), zeroShare: nullIfNaN(s.zeroShare), agreement: nullIfNaN(s.agreement) };
}

/** The snapshot's fields only (so that whatever else an object carries is not written), NaN ratios as null. */
function headerOf(s: LabSnapshot) {
  const model = (m: { config: GptConfig; tensors: TensorBlob[] }) => ({ config: { ...m.config }, tensors: copyTensors(m.tensors) });
  const adam = (a: { t: number; m: TensorBlob[]; v: TensorBlob[] }) => ({ t: a.t, m: copyTensors(a.m), v: copyTensors(a.v) });
  return {
    format: s.format,
    version: s.version,
    appVersion: s.appVersion,
    savedAt: s.savedAt,
    id: s.id,
    task: s.task,
    preset: s.preset,
    vocab: s.vocab,
    sft: s.sft && { key: s.sft.key, summary: s.sft.summary, model: model(s.sft.model) },
    pairs: s.pairs && { key: s.pairs.key, summary: s.pairs.summary, train: s.pairs.train, heldOut: s.pairs.heldOut, stats: { train: statsOut(s.pairs.stats.train), heldOut: statsOut(s.pairs.stats.heldOut) } },
    rm: s.rm && { key: s.rm.key, summary: s.rm.summary, model: model(s.rm.model), norm: s.rm.norm },
    dpo: s.dpo && { key: s.dpo.key, summary: s.dpo.summary, model: model(s.dpo.model), beta: s.dpo.beta, rto: s.dpo.rto },
    runs: s.runs.map((r) => ({
      runId: r.runId,
      job: r.job,
      status: r.status,
      events: r.events,
      resume: r.resume && {
        iteration: r.resume.iteration,
        step: r.resume.step,
        episodes: r.resume.episodes,
        actor: copyTensors(r.resume.actor),
        critic: r.resume.critic && copyTensors(r.resume.critic),
        actorAdam: adam(r.resume.actorAdam),
        criticAdam: r.resume.criticAdam && adam(r.resume.criticAdam),
        rng: r.resume.rng,
        promptStream: r.resume.promptStream,
        history: r.resume.history.map((point) => Object.fromEntries(Object.entries(point).map(([k, v]) => [k, nullIfNaN(v)]))),
      },
    })),
  };
}

/**
 * Pair lists a save has checked already (the schema, and token ids inside a vocabulary of `words`), keyed by the
 * training list with its held-out list. A lab's pairs are never changed in place (new pairs are new lists,
 * pairLogProbs.ts relies on the same), so a later save of the same lists leaves them out of the reader's checks:
 * in the Quick demo's ten saves the pairs were 80 % of the time encodeLabFile took (docs/performance.md).
 */
const checkedPairs = new WeakMap<readonly PreferencePair[], { heldOut: readonly PreferencePair[]; words: number }>();

/** The header the reader's checks see: pair lists checked by an earlier save are cut to one pair (the schema's least). */
function toCheck(s: LabSnapshot, header: ReturnType<typeof headerOf>): ReturnType<typeof headerOf> {
  const known = s.pairs !== null && header.pairs !== null && checkedPairs.get(s.pairs.train)?.heldOut === s.pairs.heldOut && checkedPairs.get(s.pairs.train)?.words === s.vocab.length;
  return known && header.pairs ? { ...header, pairs: { ...header.pairs, train: header.pairs.train.slice(0, 1), heldOut: [] } } : header;
}

/**
 * The lab as one file. Throws LabFileError when the snapshot is not one that decodeLabFile would read back (the
 * same checks), with 'non-finite' for NaN or ±Infinity in any model or optimiser float or typed header number.
 */
export function encodeLabFile(s: LabSnapshot): Uint8Array {
  const header = headerOf(s);
  const checked = toCheck(s, header);
  const bad = findNonFinite(checked, isFreeJson);
  if (bad) throw new LabFileError('non-finite', `cannot save the lab: ${formatPath(bad.path)} is ${bad.value}; a lab file holds finite numbers only`);
  const chunks: Float32Array[] = [];
  let floats = 0;
  for (const { owner, tensors } of tensorLists<unknown>(header)) {
    for (const t of tensors) {
      const data = t.data as Float32Array;
      checkFinite(data, t.name, owner, true);
      chunks.push(data);
      t.data = { offset: floats, length: data.length } satisfies TensorRef;
      floats += data.length;
    }
  }
  // The reader's checks, on the header as it will be read (JSON.stringify changes only free JSON's NaN and ±Infinity).
  try {
    checkHeader(checked);
  } catch (error) {
    if (error instanceof LabFileError) throw new LabFileError(error.code, `cannot save the lab: ${error.message}`);
    throw error;
  }
  if (s.pairs) checkedPairs.set(s.pairs.train, { heldOut: s.pairs.heldOut, words: s.vocab.length });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((PREFIX + json.length) / 4) * 4;
  const total = dataStart + floats * 4;
  if (total > LAB_FILE_MAX_BYTES) throw new LabFileError('size', `cannot save the lab: it would be ${mib(total)}, more than the ${mib(LAB_FILE_MAX_BYTES)} a lab file may hold`);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(LAB_FILE_SIGNATURE), 0);
  const view = new DataView(out.buffer);
  view.setUint32(LAB_FILE_SIGNATURE.length, json.length, true);
  out.set(json, PREFIX);
  let at = dataStart;
  for (const c of chunks) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    else for (let i = 0; i < c.length; i++) view.setFloat32(at + i * 4, c[i] as number, true);
    at += c.byteLength;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- reading

function describeStart(bytes: Uint8Array): string {
  const shown = [...bytes.subarray(0, 8)].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  return `"${shown}"${bytes.length > 8 ? '…' : ''}`;
}

/** Size, signature, header length, header JSON, format and version, finite numbers: the parsed header and where the data starts. */
function readHeader(bytes: Uint8Array, maxBytes: number): { raw: Record<string, unknown>; dataStart: number } {
  if (bytes.length > maxBytes) throw new LabFileError('size', `the file is ${mib(bytes.length)}, more than the ${mib(maxBytes)} a lab file may be`);
  if (bytes.length === 0) throw new LabFileError('truncated', 'the file is empty');
  const start = new TextDecoder('latin1').decode(bytes.subarray(0, LAB_FILE_SIGNATURE.length));
  if (start === CHECKPOINT_SIGNATURE) throw new LabFileError('signature', 'this is a single-model checkpoint (it starts with "RTOLAB1"), not an RTO Lab lab file');
  if (start !== LAB_FILE_SIGNATURE) {
    if (bytes.length < LAB_FILE_SIGNATURE.length && LAB_FILE_SIGNATURE.startsWith(start)) throw new LabFileError('truncated', `the file is truncated: it ends after ${bytes.length} bytes, inside its signature`);
    throw new LabFileError('signature', `not an RTO Lab lab file (it starts with ${describeStart(bytes)}, not "RTOLABF")`);
  }
  if (bytes.length < PREFIX) throw new LabFileError('truncated', `the file is truncated: it ends after ${bytes.length} bytes, before its header's length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(LAB_FILE_SIGNATURE.length, true);
  if (PREFIX + headerLength > bytes.length) throw new LabFileError('truncated', `the file is truncated: its header should be ${headerLength} bytes, but only ${bytes.length - PREFIX} are there`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength));
  } catch {
    throw new LabFileError('schema', "the file's header is not UTF-8 text: the file is damaged");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LabFileError('schema', `the file's header is not valid JSON (${error instanceof Error ? error.message : String(error)}): the file is damaged`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LabFileError('schema', "the file's header is not a JSON object: the file is damaged");
  const h = raw as Record<string, unknown>;
  if (h.format !== LAB_FORMAT) throw new LabFileError('signature', `not an RTO Lab lab file: its header says its format is ${JSON.stringify(h.format) ?? 'nothing'}, not "${LAB_FORMAT}"`);
  if (h.version !== LAB_VERSION) {
    const v = h.version;
    if (typeof v === 'number' && Number.isInteger(v) && v > LAB_VERSION) throw new LabFileError('version', `this lab file was made by a newer RTO Lab (version ${v}); this one reads version ${LAB_VERSION}`);
    throw new LabFileError('version', `this lab file says it is version ${JSON.stringify(v) ?? 'nothing'}, which no RTO Lab writes; this one reads version ${LAB_VERSION}`);
  }
  const bad = findNonFinite(raw);
  if (bad) throw new LabFileError('non-finite', `${formatPath(bad.path)} is ${bad.value} (a number too large for a double); a lab file holds finite numbers only`);
  return { raw: h, dataStart: Math.ceil((PREFIX + headerLength) / 4) * 4 };
}

function readFloats(bytes: Uint8Array, at: number, length: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + length * 4));
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, length * 4);
  return Float32Array.from({ length }, (_, i) => view.getFloat32(i * 4, true));
}

/** Reads and checks a lab file: every problem is a LabFileError that says what is wrong and where. */
export function decodeLabFile(bytes: Uint8Array, options: { maxBytes?: number } = {}): LabSnapshot {
  const { raw, dataStart } = readHeader(bytes, options.maxBytes ?? LAB_FILE_MAX_BYTES);
  const { header, floats } = checkHeader(raw);
  const expected = dataStart + floats * 4;
  if (bytes.length < expected) throw new LabFileError('truncated', `the file is truncated: its weights need ${expected} bytes, but it has ${bytes.length}`);
  if (bytes.length > expected) throw new LabFileError('size', `the file has ${bytes.length - expected} bytes more than its contents need (${expected}): it is damaged or not a lab file`);
  for (const { owner, tensors } of tensorLists<unknown>(header)) {
    for (const t of tensors) {
      const ref = t.data as TensorRef;
      const data = readFloats(bytes, dataStart + ref.offset * 4, ref.length);
      checkFinite(data, t.name, owner, false);
      t.data = data;
    }
  }
  return header as unknown as LabSnapshot;
}

export interface LabFileInfo {
  id: string;
  savedAt: string;
  task: LabSnapshot['task'];
  preset: LabSnapshot['preset'];
  appVersion: string;
  /** Which stages' artefacts the lab holds. */
  stages: { sft: boolean; pairs: boolean; rm: boolean; dpo: boolean };
  runs: number;
  /** The file's size. */
  bytes: number;
}

/**
 * The header's summary for a list of saved labs: reads the header only (no floats, no full check), so a file it
 * describes may still be refused by decodeLabFile. Throws LabFileError for a file that is not a lab file at all.
 */
export function readLabFileInfo(bytes: Uint8Array, options: { maxBytes?: number } = {}): LabFileInfo {
  const { raw } = readHeader(bytes, options.maxBytes ?? LAB_FILE_MAX_BYTES);
  const text = (k: string) => {
    const v = raw[k];
    if (typeof v !== 'string') throw new LabFileError('schema', v === undefined ? `this lab file's contents are not what RTO Lab writes: missing field ${k}` : `this lab file's contents are not what RTO Lab writes: ${k} is not text`);
    return v;
  };
  const oneOf = <T extends string>(k: string, names: readonly T[]): T => {
    const v = text(k);
    if (!(names as readonly string[]).includes(v)) throw new LabFileError('schema', `this lab file's contents are not what RTO Lab writes: ${k} is ${JSON.stringify(v)}, not one of ${names.join(', ')}`);
    return v as T;
  };
  if (!Array.isArray(raw.runs)) throw new LabFileError('schema', "this lab file's contents are not what RTO Lab writes: runs is not a list");
  const present = (k: string) => raw[k] !== null && raw[k] !== undefined;
  return {
    id: text('id'),
    savedAt: text('savedAt'),
    task: oneOf('task', TASK_NAMES),
    preset: oneOf('preset', PRESET_NAMES),
    appVersion: text('appVersion'),
    stages: { sft: present('sft'), pairs: present('pairs'), rm: present('rm'), dpo: present('dpo') },
    runs: raw.runs.length,
    bytes: bytes.length,
  };
}

/** The file name a download gets, e.g. "rto-lab-sentiment-small-2026-12-02.rtolab" (the save's date, UTC). */
export function labFileName(s: Pick<LabSnapshot, 'task' | 'preset' | 'savedAt'>): string {
  return `rto-lab-${s.task}-${s.preset}-${s.savedAt.slice(0, 10)}${LAB_FILE_EXTENSION}`;
}

/** A lab belongs to the task whose vocabulary it was built with: refuses one whose vocabulary differs, saying where. */
export function checkLabAgainstTask(s: Pick<LabSnapshot, 'task' | 'vocab'>, taskVocab: readonly string[]): void {
  const n = Math.min(s.vocab.length, taskVocab.length);
  for (let i = 0; i < n; i++) {
    if (s.vocab[i] !== taskVocab[i]) {
      throw new LabFileError('vocabulary', `this lab was built with another vocabulary than the ${s.task} task's: token id ${i} is ${JSON.stringify(s.vocab[i])} in the lab but ${JSON.stringify(taskVocab[i])} in the task`);
    }
  }
  if (s.vocab.length !== taskVocab.length) {
    throw new LabFileError('vocabulary', `this lab was built with another vocabulary than the ${s.task} task's: the lab has ${s.vocab.length} words and the task ${taskVocab.length} (the first ${n} agree)`);
  }
}

/**
 * The checkpoint format: model config + vocabulary + every parameter, as one self-describing file that Node
 * (CLI, tests) and the worker both read. Two encodings of the same content:
 *   binary: "RTOLAB1\n", u32 LE header length, header JSON (UTF-8), zero padding to 4 bytes, float32 LE data;
 *   JSON:   the header object plus `data`, the same float32 bytes in base64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { paramsFromTensors, parameterSpecs, validateGptConfig, type GptConfig, type Params } from './gpt';

const MAGIC = 'RTOLAB1\n';

const headerSchema = z.object({
  format: z.literal('rto-lab/checkpoint'),
  version: z.literal(1),
  /** What the weights are: the SFT policy, a reward model, a DPO policy, a critic… */
  kind: z.string().min(1),
  config: z.object({
    vocabSize: z.number().int().positive(),
    contextLength: z.number().int().positive(),
    layers: z.number().int().positive(),
    heads: z.number().int().positive(),
    width: z.number().int().positive(),
    scalarHead: z.boolean(),
  }),
  vocab: z.array(z.string()),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()) })),
  meta: z.record(z.string(), z.unknown()),
});
export type CheckpointHeader = z.infer<typeof headerSchema>;

export interface Checkpoint {
  header: CheckpointHeader;
  /** All parameters, concatenated in header.tensors order. */
  data: Float32Array;
}

/** Reads every parameter back from the device (one read per tensor, once per save). */
export async function makeCheckpoint(params: Params, config: GptConfig, vocab: readonly string[], kind: string, meta: Record<string, unknown> = {}): Promise<Checkpoint> {
  const names = [...params.keys()];
  const arrays = await Promise.all(names.map((n) => (params.get(n) as tf.Variable).data<'float32'>()));
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    data.set(a, offset);
    offset += a.length;
  }
  const tensors = names.map((name) => ({ name, shape: (params.get(name) as tf.Variable).shape.slice() }));
  return { header: { format: 'rto-lab/checkpoint', version: 1, kind, config: { ...config }, vocab: [...vocab], tensors, meta }, data };
}

function checkHeader(raw: unknown): CheckpointHeader {
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`not an RTO Lab checkpoint: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const h = parsed.data;
  validateGptConfig(h.config);
  if (h.vocab.length !== h.config.vocabSize) throw new Error(`checkpoint vocabulary has ${h.vocab.length} words but the model expects ${h.config.vocabSize}`);
  const expected = parameterSpecs(h.config).map((s) => `${s.name}:${s.shape.join('x')}`).join(',');
  const actual = h.tensors.map((t) => `${t.name}:${t.shape.join('x')}`).join(',');
  if (expected !== actual) throw new Error('checkpoint tensors do not match its model config');
  return h;
}

function expectedSize(h: CheckpointHeader): number {
  return h.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
}

/** Makes trainable variables from a checkpoint (a fresh copy; the checkpoint is untouched). */
export function paramsFromCheckpoint(ckpt: Checkpoint): Params {
  let offset = 0;
  const tensors: [string, tf.Tensor][] = ckpt.header.tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const values = ckpt.data.subarray(offset, offset + size);
    offset += size;
    return [t.name, tf.tensor(values, t.shape, 'float32')];
  });
  const params = paramsFromTensors(tensors);
  tf.dispose(tensors.map(([, t]) => t));
  return params;
}

export function checkpointToBinary(ckpt: Checkpoint): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(ckpt.header));
  const headerEnd = MAGIC.length + 4 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const out = new Uint8Array(dataStart + ckpt.data.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  const view = new DataView(out.buffer, dataStart);
  ckpt.data.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return out;
}

export function checkpointFromBinary(bytes: Uint8Array): Checkpoint {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error('not an RTO Lab checkpoint (missing the RTOLAB1 signature)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = dv.getUint32(MAGIC.length, true);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw new Error('checkpoint is truncated (header)');
  const header = checkHeader(JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headerEnd))));
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const size = expectedSize(header);
  if (bytes.length - dataStart !== size * 4) throw new Error(`checkpoint is truncated or padded: expected ${size} floats`);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = dv.getFloat32(dataStart + i * 4, true);
  return { header, data };
}

export function checkpointToJson(ckpt: Checkpoint): string {
  const bytes = new Uint8Array(ckpt.data.length * 4);
  const view = new DataView(bytes.buffer);
  ckpt.data.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return JSON.stringify({ ...ckpt.header, data: toBase64(bytes) });
}

export function checkpointFromJson(text: string): Checkpoint {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`checkpoint is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { data, ...rest } = (raw ?? {}) as { data?: unknown };
  if (typeof data !== 'string') throw new Error('not an RTO Lab checkpoint: "data" (base64) is missing');
  const header = checkHeader(rest);
  const bytes = fromBase64(data);
  const size = expectedSize(header);
  if (bytes.length !== size * 4) throw new Error(`checkpoint data holds ${bytes.length / 4} floats, expected ${size}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { header, data: Float32Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true)) };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? B64[n & 63]! : '=');
  }
  return out;
}

function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (/[^A-Za-z0-9+/]/.test(clean)) throw new Error('checkpoint data is not valid base64');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const ch of clean) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/**
 * Test fixture for the lab file (labFile.test.ts, labFile.property.test.ts, the size and time measurement): a
 * realistic LabSnapshot with every stage, real model blobs made from parameterSpecs(config) (seeded values), and an
 * unfinished PPO run with its actor, critic and both optimisers' moments.
 */
import { parameterSpecs, type GptConfig } from '../model/gpt';
import { createRng, type Rng } from '../rng';
import { LAB_FORMAT, LAB_VERSION, type LabSnapshot, type ModelBlob, type TensorBlob } from './snapshot';

export const FIXTURE_CONFIG: GptConfig = { vocabSize: 24, contextLength: 16, layers: 1, heads: 2, width: 16, scalarHead: false };

export function fixtureVocab(size: number): string[] {
  const specials = ['<pad>', '<bos>', '<eos>', '<unk>'];
  return Array.from({ length: size }, (_, i) => specials[i] ?? `w${i}`);
}

/** Every parameter of `config` in parameterSpecs order, with seeded values (normal × std, or ones, or small noise). */
export function tensorsFor(config: GptConfig, rng: Rng): TensorBlob[] {
  return parameterSpecs(config).map((spec) => {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = spec.init === 'ones' ? 1 + 0.01 * rng.normal() : (spec.std || 0.01) * rng.normal();
    return { name: spec.name, shape: [...spec.shape], data };
  });
}

export function modelFor(config: GptConfig, rng: Rng): ModelBlob {
  return { config: { ...config }, tensors: tensorsFor(config, rng) };
}

/** A moment of Adam for each tensor (same names and shapes). */
function momentsLike(tensors: readonly TensorBlob[], rng: Rng, scale: number): TensorBlob[] {
  return tensors.map((t) => ({ name: t.name, shape: [...t.shape], data: Float32Array.from(t.data, () => scale * Math.abs(rng.normal())) }));
}

export function makeSnapshot(options: { config?: GptConfig; seed?: number; pairs?: number } = {}): LabSnapshot {
  const config = { ...(options.config ?? FIXTURE_CONFIG), scalarHead: false };
  const rng = createRng(options.seed ?? 7);
  const vocab = fixtureVocab(config.vocabSize);
  const token = () => 4 + rng.int(config.vocabSize - 4);
  const pair = () => ({ prompt: [1, token(), token()], chosen: [token(), token(), 2], rejected: [token(), 2], goldChosen: rng.normal(), goldRejected: rng.normal() });
  const nPairs = options.pairs ?? 6;
  const critic = { ...config, scalarHead: true };
  const actor = tensorsFor(config, rng);
  const criticTensors = tensorsFor(critic, rng);
  return {
    format: LAB_FORMAT,
    version: LAB_VERSION,
    appVersion: '0.1.0',
    savedAt: '2026-12-02T09:30:00.000Z',
    id: 'lab-7f3a',
    task: 'sentiment',
    preset: 'small',
    vocab,
    sft: { key: '{"sftSteps":300,"sftLr":0.01}', summary: { finalLoss: 2.31, heldOutLoss: null, steps: 300 }, model: modelFor(config, rng) },
    pairs: {
      key: '{"prefPrompts":1500}',
      summary: { pairs: nPairs, note: 'ties dropped' },
      train: Array.from({ length: nPairs }, pair),
      heldOut: Array.from({ length: 2 }, pair),
      stats: {
        train: { prompts: nPairs + 2, pairs: nPairs, ties: 2, tieRate: 0.25, zeroShare: Number.NaN, agreement: 0.8 },
        heldOut: { prompts: 2, pairs: 2, ties: 0, tieRate: 0, zeroShare: 0.5, agreement: 1 },
      },
    },
    rm: { key: '{"rmEpochs":5}', summary: { heldOutAccuracy: 0.74 }, model: modelFor(critic, rng), norm: { mean: 0.12, std: 1.7 } },
    dpo: { key: '{"dpoEpochs":2}', summary: { heldOutAccuracy: 0.68 }, model: modelFor(config, rng), beta: 0.1, rto: { beta1: 1.7, clip: 0.26 } },
    runs: [
      {
        runId: 'ppo-1',
        job: { kind: 'rl', method: 'ppo', settings: { rlIterations: 20, actorLr: 4.4e-4 } },
        status: 'running',
        events: [
          { type: 'progress', stage: 'ppo', step: 1, of: 20 },
          { type: 'metrics', stage: 'ppo', step: 2, episodes: 512, values: { gold: 0.31, kl: 0.02, heldOutLoss: null } },
        ],
        resume: {
          iteration: 4,
          step: 16,
          episodes: 1024,
          actor,
          critic: criticTensors,
          actorAdam: { t: 16, m: momentsLike(actor, rng, 1e-3), v: momentsLike(actor, rng, 1e-6) },
          criticAdam: { t: 16, m: momentsLike(criticTensors, rng, 1e-3), v: momentsLike(criticTensors, rng, 1e-6) },
          rng: { state: 3_141_592_653, spareNormal: -0.4321 },
          promptStream: { order: [3, 0, 2, 1], index: 2 },
          history: [
            { iteration: 0, episodes: 0, gold: 0.1, goldSe: 0.015, winRate: 0.5, winRateSe: Number.NaN, kl: 0, length: 9.5 },
            { iteration: 2, episodes: 512, gold: 0.2, goldSe: 0.016, winRate: 0.61, winRateSe: 0.03, kl: 0.01, length: 9.1 },
          ],
        },
      },
      { runId: 'rto-1', job: { kind: 'rl', method: 'rto' }, status: 'finished', events: [{ type: 'done', stage: 'rto' }], resume: null },
    ],
  };
}

/** A lab file's header JSON as text, and the bytes after it (padding and data), to rebuild it with another header. */
export function splitLabFile(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const dataStart = Math.ceil((12 + length) / 4) * 4;
  return { header: new TextDecoder().decode(bytes.subarray(12, 12 + length)), data: bytes.slice(dataStart) };
}

/** The same file with another header text (its length and padding recomputed), the data section untouched. */
export function withHeaderText(bytes: Uint8Array, header: string): Uint8Array {
  const { data } = splitLabFile(bytes);
  const json = new TextEncoder().encode(header);
  const dataStart = Math.ceil((12 + json.length) / 4) * 4;
  const out = new Uint8Array(dataStart + data.length);
  out.set(bytes.subarray(0, 8), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, dataStart);
  return out;
}

/** The same file with its header JSON changed by `edit` (which changes the parsed object in place). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withHeader(bytes: Uint8Array, edit: (header: any) => void): Uint8Array {
  const header: unknown = JSON.parse(splitLabFile(bytes).header);
  edit(header);
  return withHeaderText(bytes, JSON.stringify(header));
}

/**
 * fast-check arbitraries for the lab file's property tests (labFile.property.test.ts): valid LabSnapshots of tiny
 * models (1–8 words, width 1–4, 1–2 layers) with every optional part on or off, free JSON in summaries, jobs and
 * events, NaN ratios, and float data from raw bit patterns (subnormals, -0, huge values; never NaN or ±Infinity).
 */
import fc from 'fast-check';
import { parameterSpecs, type GptConfig } from '../model/gpt';
import { LAB_FORMAT, LAB_VERSION, type LabSnapshot, type RlResumeState, type TensorBlob } from './snapshot';

/** Float32 values from a seed (xorshift32): mostly small normals, a quarter raw bit patterns (subnormals, -0, ±3e38), never NaN or ±Infinity. */
function floats(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    if ((s & 3) === 0) bits[i] = (s & 0x7f800000) === 0x7f800000 ? s & 0xbfffffff : s;
    else out[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 0.1;
  }
  return out;
}

function tensors(config: GptConfig, seed: number): TensorBlob[] {
  return parameterSpecs(config).map((spec, i) => ({ name: spec.name, shape: [...spec.shape], data: floats(spec.shape.reduce((a, b) => a * b, 1), seed * 131 + i) }));
}
const like = (list: TensorBlob[], seed: number) => list.map((t, i) => ({ name: t.name, shape: [...t.shape], data: floats(t.data.length, seed + i * 7) }));

/** fc.record with ordinary objects (the codec gives ordinary objects back). */
const rec: typeof fc.record = ((shape: never, constraints?: object) => fc.record(shape, { ...constraints, noNullPrototype: true })) as typeof fc.record;

const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x));
const ratio = fc.oneof(finite, fc.constant(Number.NaN));
export const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
/** Free JSON (summaries, jobs, events), small: leaves, short lists and one level of objects. */
const jsonLeaf = fc.oneof(fc.constant(null), fc.boolean(), finite, text(6));
const jsonValue = fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 }), fc.dictionary(text(3), jsonLeaf, { maxKeys: 2, noNullPrototype: true }));
const jsonObject = fc.dictionary(text(4), jsonValue, { maxKeys: 3, noNullPrototype: true });
const configArb = fc
  .record({ vocabSize: fc.integer({ min: 1, max: 8 }), contextLength: fc.integer({ min: 1, max: 4 }), layers: fc.integer({ min: 1, max: 2 }), heads: fc.integer({ min: 1, max: 2 }), perHead: fc.integer({ min: 1, max: 2 }) })
  .map(({ perHead, ...c }): GptConfig => ({ ...c, width: c.heads * perHead, scalarHead: false }));

function stageArbs(config: GptConfig) {
  const V = config.vocabSize;
  const ids = fc.array(fc.nat({ max: V - 1 }), { minLength: 1, maxLength: 4 });
  const pair = rec({ prompt: ids, chosen: ids, rejected: ids, goldChosen: finite, goldRejected: finite });
  const stats = rec({ prompts: fc.nat(), pairs: fc.nat(), ties: fc.nat(), tieRate: ratio, zeroShare: ratio, agreement: ratio });
  const built = { key: text(8), summary: jsonObject };
  const seed = fc.nat();
  const head = { ...config, scalarHead: true };
  const resume = fc
    .record({
      iteration: fc.nat(),
      step: fc.nat(),
      episodes: fc.nat(),
      seed,
      critic: fc.boolean(),
      t: fc.nat(),
      rng: rec({ state: fc.integer({ min: 0, max: 0xffffffff }), spareNormal: fc.option(finite, { nil: null }) }),
      order: fc.array(fc.nat({ max: 50 }), { maxLength: 5 }),
      index: fc.nat({ max: 5 }),
      history: fc.array(fc.dictionary(fc.constantFrom('iteration', 'gold', 'goldSe', 'kl'), ratio, { noNullPrototype: true }), { maxLength: 3 }),
    })
    .map(({ seed: s, critic, t, order, index, ...r }): RlResumeState => {
      const actor = tensors(config, s);
      const criticTensors = critic ? tensors(head, s + 1) : null;
      return {
        ...r,
        actor,
        critic: criticTensors,
        actorAdam: { t, m: like(actor, s + 2), v: like(actor, s + 3) },
        criticAdam: criticTensors && { t, m: like(criticTensors, s + 4), v: like(criticTensors, s + 5) },
        promptStream: { order, index: Math.min(index, order.length) },
      };
    });
  return {
    vocab: fc.array(text(5), { minLength: V, maxLength: V }),
    sft: fc.option(rec({ ...built, seed }).map(({ seed: s, ...b }) => ({ ...b, model: { config: { ...config }, tensors: tensors(config, s) } })), { nil: null }),
    pairs: fc.option(rec({ ...built, train: fc.array(pair, { minLength: 1, maxLength: 3 }), heldOut: fc.array(pair, { maxLength: 2 }), stats: rec({ train: stats, heldOut: stats }) }), { nil: null }),
    rm: fc.option(
      rec({ ...built, seed, norm: rec({ mean: finite, std: fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }) }) }).map(({ seed: s, ...b }) => ({ ...b, model: { config: head, tensors: tensors(head, s) } })),
      { nil: null },
    ),
    dpo: fc.option(
      rec({ ...built, seed, beta: finite, rto: rec({ beta1: finite, clip: finite }) }).map(({ seed: s, ...b }) => ({ ...b, model: { config: { ...config }, tensors: tensors(config, s) } })),
      { nil: null },
    ),
    runs: fc.uniqueArray(
      rec({ runId: text(4).filter((s) => s.length > 0), job: jsonObject, status: fc.constantFrom('running', 'finished', 'failed', 'cancelled' as const), events: fc.array(jsonObject, { maxLength: 3 }), resume: fc.option(resume, { nil: null }) }),
      { maxLength: 2, selector: (r) => r.runId },
    ),
  };
}

export const snapshotArb: fc.Arbitrary<LabSnapshot> = configArb.chain((config) =>
  rec({
      appVersion: text(6),
      savedAt: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      id: text(8).filter((s) => s.length > 0),
      task: fc.constantFrom('sentiment', 'oracle' as const),
      preset: fc.constantFrom('tiny', 'small' as const),
      ...stageArbs(config),
    })
    // A run can only be resumed in a lab that has a model to check it against.
    .map((s): LabSnapshot => ({ format: LAB_FORMAT, version: LAB_VERSION, ...s, runs: s.sft || s.rm || s.dpo ? s.runs : s.runs.map((r) => ({ ...r, resume: null })) })),
);


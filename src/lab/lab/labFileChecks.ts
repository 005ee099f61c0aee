/**
 * The lab file's checks (labFile.ts): everything a parsed header must satisfy beyond its schema (labFileSchema.ts),
 * that the model configs are valid and every model's tensors are the ones its config names, in shape; token ids
 * inside the vocabulary; run ids unique; every tensor's reference in order inside the data section; finite numbers
 * where they must be. Writer and reader share the order of the tensors (tensorLists). Each failure is a LabFileError
 * that says what is wrong and where.
 */
import { parameterSpecs, validateGptConfig, type GptConfig } from '../model/gpt';
import { LabFileError, parseLabHeader, type LabHeader, type TensorRef } from './labFileSchema';

interface Tensorish<D> {
  name: string;
  shape: number[];
  data: D;
}
interface Labish<D> {
  sft: { model: { tensors: Tensorish<D>[] } } | null;
  rm: { model: { tensors: Tensorish<D>[] } } | null;
  dpo: { model: { tensors: Tensorish<D>[] } } | null;
  runs: {
    runId: string;
    resume: { actor: Tensorish<D>[]; critic: Tensorish<D>[] | null; actorAdam: { m: Tensorish<D>[]; v: Tensorish<D>[] }; criticAdam: { m: Tensorish<D>[]; v: Tensorish<D>[] } | null } | null;
  }[];
}

/** Every tensor list of a lab, named for messages, in the data section's order (writer and reader share it). */
export function tensorLists<D>(lab: Labish<D>): { owner: string; tensors: Tensorish<D>[] }[] {
  const lists: { owner: string; tensors: Tensorish<D>[] }[] = [];
  if (lab.sft) lists.push({ owner: 'the SFT model', tensors: lab.sft.model.tensors });
  if (lab.rm) lists.push({ owner: 'the reward model', tensors: lab.rm.model.tensors });
  if (lab.dpo) lists.push({ owner: 'the DPO model', tensors: lab.dpo.model.tensors });
  for (const run of lab.runs) {
    const r = run.resume;
    if (!r) continue;
    const of = `run "${run.runId}"'s`;
    lists.push({ owner: `${of} actor`, tensors: r.actor });
    if (r.critic) lists.push({ owner: `${of} critic`, tensors: r.critic });
    lists.push({ owner: `${of} actor optimiser (first moment)`, tensors: r.actorAdam.m }, { owner: `${of} actor optimiser (second moment)`, tensors: r.actorAdam.v });
    if (r.criticAdam) lists.push({ owner: `${of} critic optimiser (first moment)`, tensors: r.criticAdam.m }, { owner: `${of} critic optimiser (second moment)`, tensors: r.criticAdam.v });
  }
  return lists;
}

const shapeText = (shape: readonly number[]) => (shape.length ? shape.join('×') : 'scalar');
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const configText = (c: GptConfig) => `${c.layers} layer${c.layers === 1 ? '' : 's'}, width ${c.width}, ${c.heads} head${c.heads === 1 ? '' : 's'}, context ${c.contextLength}`;

export function checkFinite(data: Float32Array, name: string, owner: string, saving: boolean): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i] as number;
    if (x - x !== 0) {
      const what = `tensor ${name} of ${owner} holds ${x} at index ${i}`;
      throw new LabFileError('non-finite', saving ? `cannot save the lab: ${what}; only finite weights are ever stored` : `${what}; a lab file holds finite numbers only`);
    }
  }
}

/** The first non-finite number in a JSON-like tree (iterative: a deep tree cannot overflow the stack), skipping `skip` subtrees. */
export function findNonFinite(root: unknown, skip: (path: readonly PropertyKey[]) => boolean = () => false): { path: PropertyKey[]; value: number } | null {
  interface Node {
    value: unknown;
    key: PropertyKey | null;
    parent: Node | null;
  }
  const pathOf = (n: Node) => {
    const path: PropertyKey[] = [];
    for (let p: Node | null = n; p && p.key !== null; p = p.parent) path.unshift(p.key);
    return path;
  };
  const stack: Node[] = [{ value: root, key: null, parent: null }];
  while (stack.length) {
    const node = stack.pop() as Node;
    const v = node.value;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: pathOf(node), value: v };
    } else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      if (node.parent && skip(pathOf(node))) continue;
      if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: node });
      else for (const k of Object.keys(v)) stack.push({ value: (v as Record<string, unknown>)[k], key: k, parent: node });
    }
  }
  return null;
}

const STAGES = new Set<PropertyKey>(['sft', 'pairs', 'rm', 'dpo']);
/** The free JSON subtrees (summaries, jobs, events), where the writer lets JSON.stringify turn NaN into null. */
export const isFreeJson = (path: readonly PropertyKey[]) =>
  (path.length === 2 && STAGES.has(path[0] as PropertyKey) && path[1] === 'summary') || (path.length === 3 && path[0] === 'runs' && (path[2] === 'job' || path[2] === 'events'));

// ---------------------------------------------------------------------------------------------------- checks

function checkTensors(owner: string, tensors: readonly Tensorish<unknown>[], config: GptConfig): void {
  const needed = 4 + 12 * config.layers + (config.scalarHead ? 1 : 0);
  if (tensors.length !== needed) throw new LabFileError('shape', `${owner} has ${tensors.length} tensors; its config (${configText(config)}${config.scalarHead ? ', scalar head' : ''}) needs ${needed}`);
  matchList(owner, tensors, parameterSpecs(config), 'its config needs');
}

function matchList(owner: string, tensors: readonly Tensorish<unknown>[], wanted: readonly { name: string; shape: readonly number[] }[], why: string): void {
  if (tensors.length !== wanted.length) throw new LabFileError('shape', `${owner} has ${tensors.length} tensors; ${why} ${wanted.length}`);
  tensors.forEach((t, i) => {
    const w = wanted[i] as { name: string; shape: readonly number[] };
    if (t.name !== w.name || shapeText(t.shape) !== shapeText(w.shape)) {
      throw new LabFileError('shape', `${owner}'s tensor ${i} is ${t.name} [${shapeText(t.shape)}]; ${why} ${w.name} [${shapeText(w.shape)}]`);
    }
  });
}

/** Everything the schema cannot say: configs, tensor names and shapes, token ids, run ids. */
function checkLab(h: LabHeader): void {
  const words = h.vocab.length;
  let lm: { config: GptConfig; owner: string } | null = null;
  const models = [
    { owner: 'the SFT model', model: h.sft?.model, head: false },
    { owner: 'the reward model', model: h.rm?.model, head: true },
    { owner: 'the DPO model', model: h.dpo?.model, head: false },
  ];
  for (const { owner, model, head } of models) {
    if (!model) continue;
    const c = model.config;
    if (c.vocabSize !== words) throw new LabFileError('vocabulary', `${owner} is for a vocabulary of ${c.vocabSize} words, but the lab's vocabulary has ${words}`);
    try {
      validateGptConfig(c);
    } catch (error) {
      throw new LabFileError('shape', `${owner}'s ${error instanceof Error ? error.message : String(error)}`);
    }
    if (c.scalarHead !== head) throw new LabFileError('shape', head ? `${owner} has no scalar head (head.w); a reward model needs one` : `${owner} has a scalar head (head.w); a policy has none`);
    const body = { ...c, scalarHead: false };
    if (!lm) lm = { config: body, owner };
    else if (configText(body) !== configText(lm.config)) throw new LabFileError('shape', `${owner} (${configText(body)}) does not match ${lm.owner} (${configText(lm.config)}): every model of a lab has the same shape`);
    checkTensors(owner, model.tensors, c);
  }
  if (h.pairs) {
    for (const [split, pairs] of [['training', h.pairs.train], ['held-out', h.pairs.heldOut]] as const) {
      pairs.forEach((p, i) => {
        for (const part of ['prompt', 'chosen', 'rejected'] as const) {
          const id = p[part].find((t) => t >= words);
          if (id !== undefined) throw new LabFileError('vocabulary', `${split} pair ${i}'s ${part} uses token id ${id}, outside the lab's vocabulary of ${words} words`);
        }
      });
    }
  }
  const ids = new Set<string>();
  h.runs.forEach((run, i) => {
    if (ids.has(run.runId)) throw new LabFileError('schema', `runs[${i}] has the run id "${run.runId}" of an earlier run; each run's id is its own`);
    ids.add(run.runId);
    const r = run.resume;
    if (!r) return;
    const of = `run "${run.runId}"'s`;
    if (!lm) throw new LabFileError('shape', `run "${run.runId}" can be resumed, but the lab has no model to check its actor against`);
    checkTensors(`${of} actor`, r.actor, lm.config);
    if ((r.critic === null) !== (r.criticAdam === null)) throw new LabFileError('shape', r.critic ? `${of} critic has no optimiser state` : `${of} critic optimiser has no critic`);
    matchList(`${of} actor optimiser (first moment)`, r.actorAdam.m, r.actor, 'the actor has');
    matchList(`${of} actor optimiser (second moment)`, r.actorAdam.v, r.actor, 'the actor has');
    if (r.critic && r.criticAdam) {
      checkTensors(`${of} critic`, r.critic, { ...lm.config, scalarHead: true });
      matchList(`${of} critic optimiser (first moment)`, r.criticAdam.m, r.critic, 'the critic has');
      matchList(`${of} critic optimiser (second moment)`, r.criticAdam.v, r.critic, 'the critic has');
    }
    if (r.promptStream.index > r.promptStream.order.length) {
      throw new LabFileError('schema', `runs[${i}].resume.promptStream.index is ${r.promptStream.index}, past the end of its ${r.promptStream.order.length} prompts`);
    }
  });
}

/** Each reference must hold its shape's floats and follow the one before it; returns the data section's floats. */
function checkRefs(h: LabHeader): number {
  let next = 0;
  for (const { owner, tensors } of tensorLists<TensorRef>(h)) {
    for (const t of tensors) {
      const size = sizeOf(t.shape);
      if (t.data.length !== size) throw new LabFileError('shape', `tensor ${t.name} of ${owner} has ${t.data.length} floats, but its shape ${shapeText(t.shape)} needs ${size}`);
      if (t.data.offset !== next) throw new LabFileError('schema', `tensor ${t.name} of ${owner} starts at float ${t.data.offset} of the data section; the layout puts it at ${next}`);
      next += size;
    }
  }
  return next;
}

/** Schema and every check on the parsed header; the data section's size in floats. */
export function checkHeader(raw: unknown): { header: LabHeader; floats: number } {
  const header = parseLabHeader(raw);
  checkLab(header);
  return { header, floats: checkRefs(header) };
}

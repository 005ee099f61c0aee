/**
 * What the worker keeps between runs: the task (built once per vocabulary and seed) and the SFT model that later
 * stages start from. Owns those tensors; nothing else in the worker holds a model.
 */
import { parseCorpusAsset, type CorpusAsset } from '../lab/data/brown';
import { checkpointFromBinary, checkpointToBinary, makeCheckpoint, paramsFromCheckpoint } from '../lab/model/checkpoint';
import { disposeParams, parameterCount, type GptConfig, type Params } from '../lab/model/gpt';
import { sentimentTask } from '../lab/tasks/sentiment';
import type { Task, TaskName } from '../lab/tasks/task';
import { ORACLE_CONTENT_TOKENS, oracleTask } from '../lab/tasks/oracle';
import { isPresetName, type PresetName, type Settings } from '../lab/config';
import { assertSameVocabulary, SPECIAL_TOKENS, tokenizerFromVocab } from '../lab/data/tokenizer';
import { artefactKey, Lab } from '../lab/lab/lab';
import { heldOutNll } from '../lab/train/sft';
import { APP_VERSION, currentLab, newLabId, replaceLab } from './labSession';
import { fetchOk } from './fetchFile';
import type { SftSummary } from './protocol';

export interface TrainedModel {
  params: Params;
  config: GptConfig;
  vocab: readonly string[];
  summary: SftSummary;
}

let corpus: { url: string; asset: CorpusAsset } | null = null;
let task: { key: string; task: Task } | null = null;

async function loadCorpus(url: string): Promise<CorpusAsset> {
  if (corpus?.url === url) return corpus.asset;
  const response = await fetchOk(url, 'the corpus');
  const asset = parseCorpusAsset(await response.json());
  corpus = { url, asset };
  return asset;
}

/** Told before a task is built (the lab worker has its side worker build the same one: sideRuns.ts). */
let onBuild: ((name: TaskName, dataUrl: string, settings: Settings) => void) | null = null;
export function whenTaskBuilds(listener: typeof onBuild): void {
  onBuild = listener;
}

/** The task for these settings, built once and reused (sentiment needs the corpus; the oracle only its seed). */
export async function taskFor(name: TaskName, dataUrl: string, settings: Settings): Promise<Task> {
  const key = `${name}|${dataUrl}|${settings.vocabSize}|${settings.seed}`;
  if (task?.key === key) return task.task;
  onBuild?.(name, dataUrl, settings);
  const built = name === 'oracle' ? oracleTask({ seed: settings.seed }) : sentimentTask(await loadCorpus(dataUrl), { vocabSize: settings.vocabSize, seed: settings.seed });
  task = { key, task: built };
  return built;
}

/** The task an SFT model was trained on, refused when its vocabulary is not the task's (a checkpoint from an older lab). */
export async function taskOfSft(sft: TrainedModel, dataUrl: string): Promise<Task> {
  const built = await taskFor(sft.summary.task, dataUrl, sft.summary.settings);
  assertSameVocabulary(sft.vocab, built.tokenizer.vocab, 'this SFT model');
  return built;
}

/** Which task a checkpoint's model was trained on: its metadata says, or (older files) its vocabulary does. */
function taskOfCheckpoint(meta: Record<string, unknown>, vocab: readonly string[]): TaskName {
  if (meta.task === 'oracle' || meta.task === 'sentiment') return meta.task;
  return vocab.length === SPECIAL_TOKENS.length + ORACLE_CONTENT_TOKENS && vocab[SPECIAL_TOKENS.length] === 'a' ? 'oracle' : 'sentiment';
}

/** A model's weights hold NaN or ∞ somewhere: such a file is refused, never loaded. */
function assertFiniteModel(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`${what} holds a non-finite weight (${data[i]}) at position ${i}: the file is damaged or was saved from a run that diverged`);
  }
}

/** A new lab begins with a new SFT model (the previous lab stays in Saved labs); `adopt`: the run that made it. */
export async function setSftModel(model: TrainedModel, preset: PresetName, task: Task, adopt: string[] = []): Promise<void> {
  const key = artefactKey('sft', model.summary.task, task, model.summary.settings);
  const lab = new Lab({ id: newLabId(), task: model.summary.task, preset, vocab: model.vocab, appVersion: APP_VERSION });
  await lab.setSft(model.params, model.config, key, { ...model.summary }, model.vocab);
  replaceLab(lab, adopt);
}

export function getSftModel(): TrainedModel | null {
  const lab = currentLab();
  if (!lab?.sft) return null;
  return { params: lab.sft.model.params, config: lab.sft.model.config, vocab: lab.vocab, summary: lab.sft.summary as unknown as SftSummary };
}

export async function exportSftCheckpoint(): Promise<Uint8Array> {
  const sft = getSftModel();
  if (!sft) throw new Error('there is no SFT model yet: train one or load a checkpoint first');
  // Flat in meta, as the CLI writes it, so a checkpoint from either shell loads in the other.
  const ckpt = await makeCheckpoint(sft.params, sft.config, sft.vocab, 'sft', { ...sft.summary });
  return checkpointToBinary(ckpt);
}

/** An SFT checkpoint read and checked, its held-out loss measured again; it owns its parameters until adopted. */
export interface DecodedSft {
  model: TrainedModel;
  preset: PresetName;
  task: Task;
}

/**
 * Reads an SFT checkpoint file and builds its task; a file that is not one, is damaged or holds non-finite weights is
 * refused with the reason. Makes no tensor.
 */
export async function readSftCheckpoint(bytes: Uint8Array, dataUrl: string): Promise<{ ckpt: ReturnType<typeof checkpointFromBinary>; task: Task }> {
  const ckpt = checkpointFromBinary(bytes);
  if (ckpt.header.kind !== 'sft') throw new Error(`this checkpoint holds a "${ckpt.header.kind}" model, not an SFT policy`);
  tokenizerFromVocab(ckpt.header.vocab);
  assertFiniteModel(ckpt.data, 'this checkpoint');
  const saved = ckpt.header.meta as Partial<SftSummary>;
  if (!saved.settings || typeof saved.settings !== 'object') throw new Error('this checkpoint does not say which settings it was trained with (its metadata has no "settings")');
  const task = await taskFor(taskOfCheckpoint(ckpt.header.meta, ckpt.header.vocab), dataUrl, saved.settings as Settings);
  assertSameVocabulary(ckpt.header.vocab, task.tokenizer.vocab, 'this checkpoint');
  return { ckpt, task };
}

/** An SFT checkpoint read (readSftCheckpoint) and its model made, its held-out loss measured again on the task (a file's stored numbers are not trusted). */
export async function decodeSftCheckpoint(bytes: Uint8Array, backend: string, dataUrl: string): Promise<DecodedSft> {
  const { ckpt, task } = await readSftCheckpoint(bytes, dataUrl);
  const saved = ckpt.header.meta as Partial<SftSummary>;
  const params = paramsFromCheckpoint(ckpt);
  try {
    const heldOutLoss = await heldOutNll(params, ckpt.header.config, task, 512);
    const summary: SftSummary = {
      steps: saved.steps ?? 0,
      stopped: saved.stopped ?? false,
      heldOutLoss,
      heldOutPerplexity: Math.exp(heldOutLoss),
      unigramLoss: saved.unigramLoss ?? NaN,
      parameters: parameterCount(params),
      seconds: saved.seconds ?? 0,
      settings: saved.settings as Settings,
      task: task.name,
      preset: presetOf(ckpt.header.meta),
      backend,
    };
    return { model: { params, config: ckpt.header.config, vocab: ckpt.header.vocab, summary }, preset: summary.preset, task };
  } catch (error) {
    disposeParams(params);
    throw error;
  }
}

/** A decoded checkpoint becomes the SFT model of a new lab (its parameters are the lab's from then on, or freed). */
export async function adoptSft(decoded: DecodedSft): Promise<SftSummary> {
  try {
    await setSftModel(decoded.model, decoded.preset, decoded.task);
    return decoded.model.summary;
  } catch (error) {
    disposeParams(decoded.model.params);
    throw error;
  }
}

/** Loads an SFT checkpoint file as the SFT model of a new lab (decodeSftCheckpoint says what it refuses). */
export async function importSftCheckpoint(bytes: Uint8Array, backend: string, dataUrl: string): Promise<SftSummary> {
  return adoptSft(await decodeSftCheckpoint(bytes, backend, dataUrl));
}

const presetOf = (meta: Record<string, unknown>): PresetName => (typeof meta.preset === 'string' && isPresetName(meta.preset) ? meta.preset : 'tiny');

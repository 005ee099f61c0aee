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
import type { Settings } from '../lab/config';
import { assertSameVocabulary, SPECIAL_TOKENS, tokenizerFromVocab } from '../lab/data/tokenizer';
import { resetChain, setPairs } from './chain';
import { parsePairsFile } from '../lab/train/pairsFile';
import type { SftSummary, StageSummary } from './protocol';

export interface TrainedModel {
  params: Params;
  config: GptConfig;
  vocab: readonly string[];
  summary: SftSummary;
}

let corpus: { url: string; asset: CorpusAsset } | null = null;
let task: { key: string; task: Task } | null = null;
let sftModel: TrainedModel | null = null;

async function loadCorpus(url: string): Promise<CorpusAsset> {
  if (corpus?.url === url) return corpus.asset;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`could not load the corpus from ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(`could not load the corpus from ${url}: HTTP ${response.status}`);
  const asset = parseCorpusAsset(await response.json());
  corpus = { url, asset };
  return asset;
}

/** The task for these settings, built once and reused (sentiment needs the corpus; the oracle only its seed). */
export async function taskFor(name: TaskName, dataUrl: string, settings: Settings): Promise<Task> {
  const key = `${name}|${dataUrl}|${settings.vocabSize}|${settings.seed}`;
  if (task?.key === key) return task.task;
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

/** Replaces the SFT model (the previous one's tensors are freed). */
export function setSftModel(model: TrainedModel): void {
  if (sftModel) disposeParams(sftModel.params);
  sftModel = model;
  resetChain(); // pairs, reward model and DPO were built on the previous SFT model
}

export function getSftModel(): TrainedModel | null {
  return sftModel;
}

export async function exportSftCheckpoint(): Promise<Uint8Array> {
  if (!sftModel) throw new Error('there is no SFT model yet: train one or load a checkpoint first');
  // Flat in meta, as the CLI writes it, so a checkpoint from either shell loads in the other.
  const ckpt = await makeCheckpoint(sftModel.params, sftModel.config, sftModel.vocab, 'sft', { ...sftModel.summary });
  return checkpointToBinary(ckpt);
}

/** Loads an SFT checkpoint file; a file that is not one, or is damaged, is refused with the reason. */
export function importSftCheckpoint(bytes: Uint8Array, backend: string): SftSummary {
  const ckpt = checkpointFromBinary(bytes);
  if (ckpt.header.kind !== 'sft') throw new Error(`this checkpoint holds a "${ckpt.header.kind}" model, not an SFT policy`);
  tokenizerFromVocab(ckpt.header.vocab);
  const params = paramsFromCheckpoint(ckpt);
  const saved = ckpt.header.meta as Partial<SftSummary>;
  const summary: SftSummary = {
    steps: saved.steps ?? 0,
    stopped: saved.stopped ?? false,
    heldOutLoss: saved.heldOutLoss ?? NaN,
    heldOutPerplexity: saved.heldOutPerplexity ?? NaN,
    unigramLoss: saved.unigramLoss ?? NaN,
    parameters: parameterCount(params),
    seconds: saved.seconds ?? 0,
    settings: saved.settings as Settings,
    task: taskOfCheckpoint(ckpt.header.meta, ckpt.header.vocab),
    backend,
  };
  setSftModel({ params, config: ckpt.header.config, vocab: ckpt.header.vocab, summary });
  return summary;
}

/** The Quick demo's SFT model and pairs (both fetched from the app itself); the pairs must fit the model. */
export async function loadQuickDemo(sftUrl: string, pairsUrl: string, backend: string): Promise<{ summary: SftSummary; pairs: StageSummary }> {
  const started = performance.now();
  const fetchOk = async (url: string) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`could not load ${url}: HTTP ${r.status}`);
    return r;
  };
  const [ckpt, pairsJson] = await Promise.all([fetchOk(sftUrl).then((r) => r.arrayBuffer()), fetchOk(pairsUrl).then((r) => r.json() as Promise<unknown>)]);
  const vocab = checkpointFromBinary(new Uint8Array(ckpt)).header.vocab.length;
  const pairs = parsePairsFile(pairsJson, vocab);
  const summary = importSftCheckpoint(new Uint8Array(ckpt), backend);
  setPairs({ train: pairs.train, heldOut: pairs.heldOut });
  const st = pairs.stats.train;
  return { summary, pairs: { stage: 'preferences', seconds: (performance.now() - started) / 1000, values: { pairs: pairs.train.length, heldOutPairs: pairs.heldOut.length, tieRate: st.tieRate, agreement: st.agreement } } };
}

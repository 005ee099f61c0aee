/**
 * Benchmark (prints figures; not a test): what autosave costs an RL run. The same PPO run of a lab (the prepared
 * lab's models by default) twice: without checkpoints, and with one every iteration that does what the page's
 * worker does at a checkpoint (the state read back by trainRl, then the lab snapshot and its lab-file encoding; the
 * IndexedDB put is a browser's and is timed by the page itself: the Saved labs line shows each save's milliseconds).
 * Usage: npm run bench:autosave -- [lab file] [iterations]
 */
import { resolveSettings, type Settings } from '../src/lab/config';
import { encodeLabFile } from '../src/lab/lab/labFile';
import { Lab } from '../src/lab/lab/lab';
import type { RlResumeState } from '../src/lab/lab/snapshot';
import { rlPromptsOf, rlSettingsOf } from '../src/lab/stageSettings';
import { sentimentTask } from '../src/lab/tasks/sentiment';
import { oracleTask } from '../src/lab/tasks/oracle';
import { trainRl } from '../src/lab/train/rl';
import { sftBaseline } from '../src/lab/train/rlBaseline';
import { loadCorpusAssetFromDisk } from '../src/cli/assets';
import { readLabFile } from '../src/cli/labFolder';
import { useNodeBackend } from '../src/cli/nodeBackend';

const path = process.argv[2] ?? 'public/labs/sentiment-small.rtolab';
const iterations = Number(process.argv[3] ?? 6);
await useNodeBackend('wasm');
const snapshot = await readLabFile(path);
if (!snapshot?.sft || !snapshot.rm || !snapshot.dpo) throw new Error(`${path}: a lab with SFT, RM and DPO is needed (npm run lab -- prepare-lab)`);
const lab = Lab.fromSnapshot(snapshot);
const base = snapshot.sft.summary.settings as Settings;
const settings = resolveSettings(snapshot.preset, { ...base, rlIterations: iterations, rlEvalEvery: iterations, rlTokensEvery: 0 }, snapshot.task);
const task = snapshot.task === 'sentiment' ? sentimentTask(await loadCorpusAssetFromDisk(), { vocabSize: settings.vocabSize, seed: settings.seed }) : oracleTask({ seed: settings.seed });
const sft = { params: lab.sft!.model.params, config: lab.sft!.model.config };
const { prompts, evalPrompts } = rlPromptsOf(task, settings);
const baseline = await sftBaseline(task, sft, evalPrompts, settings.seed);

async function timed(checkpoints: boolean) {
  const times: number[] = [];
  const saves: { encodeMs: number; bytes: number; readMs: number }[] = [];
  let last = performance.now();
  let beforeCheckpoint = 0;
  const run = await trainRl({
    task,
    sft,
    rewardModel: { params: lab.rm!.model.params, config: lab.rm!.model.config, norm: lab.rm!.norm },
    dpo: { params: lab.dpo!.model.params, config: lab.dpo!.model.config },
    settings: rlSettingsOf(settings, 'ppo'),
    seed: settings.seed,
    prompts,
    evalPrompts,
    baseline,
    onEvent: (e) => {
      if (e.type !== 'metrics' || e.step === 0) return;
      const now = performance.now();
      times.push(now - last);
      last = now;
      beforeCheckpoint = now;
    },
    ...(checkpoints
      ? {
          checkpointEvery: 1,
          onCheckpoint: (state: RlResumeState) => {
            const readMs = performance.now() - beforeCheckpoint;
            const t0 = performance.now();
            lab.putRun({ runId: 'bench', job: { kind: 'stage', stage: 'ppo' }, status: 'running', events: [], resume: state });
            const bytes = encodeLabFile(lab.snapshot()).byteLength;
            saves.push({ encodeMs: performance.now() - t0, bytes, readMs });
            last += performance.now() - t0; // the page encodes off the loop; here it is not counted as the loop's time
          },
        }
      : {}),
  });
  run.params.forEach((p) => p.dispose());
  return { times: times.slice(1, -1), saves }; // the first (warm-up) and last (evaluation) iterations left out
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const off = await timed(false);
const on = await timed(true);
console.log(`${path}: ${snapshot.task}, ${snapshot.preset} preset, PPO ${iterations} iterations of ${settings.rlPrompts} prompts on wasm`);
console.log(`  iteration without autosave: ${mean(off.times).toFixed(0)} ms; with a checkpoint every iteration: ${mean(on.times).toFixed(0)} ms (+${(mean(on.times) - mean(off.times)).toFixed(0)} ms)`);
console.log(`  per checkpoint: state read-back ${mean(on.saves.map((s) => s.readMs)).toFixed(1)} ms (in the loop), snapshot + lab-file encoding ${mean(on.saves.map((s) => s.encodeMs)).toFixed(1)} ms (off the loop in the page), lab file ${(mean(on.saves.map((s) => s.bytes)) / 2 ** 20).toFixed(2)} MiB`);
lab.dispose();

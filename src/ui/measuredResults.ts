/**
 * What the lab measured on its report seeds, said in the page beside the reward–KL frontier, so that a curve of one
 * run is read against the result of many (docs/results.md, "Current results"; tuned on seeds 1–3, reported on
 * seeds 4–8 at the tiny preset and 4–6 at small, 2026-12-02). Gold figures come with KL and length.
 */
import type { TaskName } from '../lab/tasks/task';

export const MEASURED_RESULT: Record<TaskName, string> = {
  oracle:
    'Measured on seeds the tuning never saw: RTO is ahead of PPO at every matched KL. Tiny preset, 5 seeds, within KL 2: RTO −31.3, PPO −33.5 (SFT −34.8). ' +
    'Small preset, 3 seeds: RTO −19.3 at KL 18 beats even DPO (−24.6); PPO, leaning on a weaker reward model, fell below SFT on two seeds. ' +
    'At the tiny preset DPO itself (−25.9 at KL 2.2) is ahead of both: 20 RL iterations move the policy less than DPO does.',
  sentiment:
    'Measured on seeds the tuning never saw: at the tiny preset PPO and RTO end level (gold 0.093 and 0.089, KL 0.68 and 0.43, about 10 tokens; ' +
    'the Quick demo, run with seeds 4–8, agrees: 0.075 and 0.068, where the page’s own Quick demo is one run of one seed), and DPO (0.176) is ahead of both. At the small preset PPO ends higher (0.367 against 0.224) by ' +
    'spending 2.6 times RTO’s KL (2.22 against 0.86); within a KL budget of 1, RTO is ahead (0.259 against 0.105). So RTO does not beat PPO at every KL here.',
};

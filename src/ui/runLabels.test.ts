import { describe, expect, it } from 'vitest';
import { runLabels } from './runLabels';

describe('run labels', () => {
  it('name RTO by its DPO-reward settings and add only the settings that differ', () => {
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {} }, { stage: 'rto', preset: 'tiny', overrides: {} }])).toEqual(['PPO (actor lr 0.00044, β2 0.17)', 'RTO (β1 1.7, c 0.26, actor lr 0.00054, β2 0.71)']);
    // PPO trains with its own β2 (ppoBeta2), compared with RTO's β2; RTO's β2 does not change a PPO run.
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { ppoBeta2: 0.05, beta2: 0.2, ppoActorLr: 5e-4, actorLr: 5e-4 } }, { stage: 'rto', preset: 'tiny', overrides: { beta1: 1, beta2: 0.2, ppoActorLr: 5e-4, actorLr: 5e-4 } }])).toEqual(['PPO (β2 0.05)', 'RTO (β1 1, c 0.26, β2 0.2)']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { beta2: 0.05, ppoBeta2: 0.2 } }, { stage: 'ppo', preset: 'tiny', overrides: { ppoBeta2: 0.2 } }])).toEqual(['PPO #1', 'PPO #2']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {} }, { stage: 'ppo', preset: 'tiny', overrides: {} }])).toEqual(['PPO #1', 'PPO #2']);
    // How often a run is evaluated changes none of its numbers: the Quick demo's PPO and a Start button's are one setting.
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { rlEvalEvery: 4 } }, { stage: 'ppo', preset: 'tiny', overrides: {} }])).toEqual(['PPO #1', 'PPO #2']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { rlEvalEvery: 4 } }, { stage: 'ppo', preset: 'tiny', overrides: { rlEvalPrompts: 128 } }])).toEqual(['PPO (rlEvalPrompts 256)', 'PPO (rlEvalPrompts 128)']);
    // Each task's own defaults: the oracle's tuned β2 are 0.0037 (PPO) and 0.015 (RTO).
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {}, task: 'oracle' }, { stage: 'rto', preset: 'tiny', overrides: {}, task: 'oracle' }])).toEqual(['PPO (actor lr 0.00048, β2 0.0037)', 'RTO (β1 0.59, c 0.17, actor lr 0.00049, β2 0.015)']);
  });

  it('name a run by its method from the table; the DPO settings only for methods with the DPO reward, G only for group methods', () => {
    const base = { stage: 'rto' as const, preset: 'tiny' as const, overrides: { beta2: 0.17, actorLr: 4.4e-4 } };
    const labels = runLabels([
      { stage: 'ppo', preset: 'tiny', overrides: {} },
      { ...base, method: 'grpo' },
      { ...base, method: 'grpo-dense', overrides: { ...base.overrides, groupSize: 8 } },
      { ...base, method: 'ddpo' },
    ]);
    expect(labels).toEqual(['PPO', 'GRPO (G 4)', 'GRPO (dense) (β1 1.7, c 0.26, G 8)', 'dDPO (β1 1.7, c 0.26)']);
  });
});

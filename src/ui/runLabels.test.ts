import { describe, expect, it } from 'vitest';
import { runLabels } from './runLabels';

describe('run labels', () => {
  it('name RTO by its DPO-reward settings and add only the settings that differ', () => {
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {} }, { stage: 'rto', preset: 'tiny', overrides: {} }])).toEqual(['PPO', 'RTO (β1 0.5, c 0.2)']);
    // PPO trains with its own β2 (ppoBeta2), compared with RTO's β2; RTO's β2 does not change a PPO run.
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { ppoBeta2: 0.05, beta2: 0.2 } }, { stage: 'rto', preset: 'tiny', overrides: { beta1: 1, beta2: 0.2 } }])).toEqual(['PPO (β2 0.05)', 'RTO (β1 1, c 0.2, β2 0.2)']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { beta2: 0.05, ppoBeta2: 0.2 } }, { stage: 'ppo', preset: 'tiny', overrides: { ppoBeta2: 0.2 } }])).toEqual(['PPO #1', 'PPO #2']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {} }, { stage: 'ppo', preset: 'tiny', overrides: {} }])).toEqual(['PPO #1', 'PPO #2']);
  });
});

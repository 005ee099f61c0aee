import { describe, expect, it } from 'vitest';
import { runLabels } from './runLabels';

describe('run labels', () => {
  it('name RTO by its DPO-reward settings and add only the settings that differ', () => {
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {} }, { stage: 'rto', preset: 'tiny', overrides: {} }])).toEqual(['PPO', 'RTO (β1 0.5, c 0.2)']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: { beta2: 0.05 } }, { stage: 'rto', preset: 'tiny', overrides: { beta1: 1 } }])).toEqual(['PPO (β2 0.05)', 'RTO (β1 1, c 0.2, β2 0.2)']);
    expect(runLabels([{ stage: 'ppo', preset: 'tiny', overrides: {} }, { stage: 'ppo', preset: 'tiny', overrides: {} }])).toEqual(['PPO #1', 'PPO #2']);
  });
});

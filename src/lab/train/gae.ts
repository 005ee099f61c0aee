/**
 * Advantages for the PPO update (docs/method.md, "PPO machinery"; OpenRLHF semantics), per response of n tokens:
 * V_h is the critic's value of the state before action h; after the last action the value is 0.
 *   δ_h = r_h + γ·V_{h+1} − V_h,   Â_h = δ_h + γλ·Â_{h+1},   returns_h = Â_h + V_h (returns are not normalised).
 */
export function gae(rewards: readonly number[], values: readonly number[], gamma: number, lambda: number): { advantages: number[]; returns: number[] } {
  const n = rewards.length;
  if (values.length !== n) throw new RangeError(`${n} rewards but ${values.length} values`);
  const advantages = new Array<number>(n).fill(0);
  let next = 0;
  for (let h = n - 1; h >= 0; h--) {
    const nextValue = h + 1 < n ? (values[h + 1] ?? 0) : 0;
    const delta = (rewards[h] ?? 0) + gamma * nextValue - (values[h] ?? 0);
    next = delta + gamma * lambda * next;
    advantages[h] = next;
  }
  return { advantages, returns: advantages.map((a, h) => a + (values[h] ?? 0)) };
}

/** Σ_{k ≥ h} γ^{k−h} r_k: REINFORCE++'s advantage before whitening (and GAE's with λ = 1, V ≡ 0). */
export function rewardToGo(rewards: readonly number[], gamma = 1): number[] {
  const out = new Array<number>(rewards.length).fill(0);
  let acc = 0;
  for (let h = rewards.length - 1; h >= 0; h--) {
    acc = (rewards[h] ?? 0) + gamma * acc;
    out[h] = acc;
  }
  return out;
}

/** Whitens every response's advantages together: one mean and one (population) std over all tokens of the batch. */
export function whitenAdvantages(perSequence: readonly (readonly number[])[], eps = 1e-8): number[][] {
  const all = perSequence.flat();
  if (all.length === 0) return perSequence.map(() => []);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  return perSequence.map((xs) => xs.map((x) => (x - mean) / (std + eps)));
}

/**
 * The group estimators (methods.ts has the formulas; docs/method.md, "Methods as data"). `perSequence` holds each
 * response's per-token rewards, only its real tokens (so no statistic ever sees padding), in groups of `groupSize`
 * consecutive responses to one prompt. Each returns the advantage of every token, per response.
 */
export type GroupEstimator = 'grpo' | 'grpo-process' | 'rloo' | 'rloo-dense';

export interface GroupOptions {
  groupSize: number;
  /** Divide by the group's std (GRPO; Dr. GRPO turns it off). Ignored by RLOO. */
  stdNorm: boolean;
  eps?: number;
}

const FAMILY: Record<GroupEstimator, string> = { grpo: 'GRPO', 'grpo-process': 'GRPO', rloo: 'RLOO', 'rloo-dense': 'RLOO' };
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Refuses a group size the estimator cannot use, or a batch that does not split into whole groups. */
export function checkGroups(estimator: GroupEstimator, responses: number, groupSize: number): void {
  if (!Number.isInteger(groupSize) || groupSize < 2) throw new RangeError(`${FAMILY[estimator]} needs at least 2 responses per prompt (groupSize), got ${groupSize}`);
  if (responses % groupSize !== 0) throw new RangeError(`${FAMILY[estimator]}: ${responses} responses do not split into groups of ${groupSize}`);
}

/** Mean and population std. */
function moments(xs: readonly number[]): { mean: number; std: number } {
  const mean = sum(xs) / xs.length;
  return { mean, std: Math.sqrt(sum(xs.map((x) => (x - mean) ** 2)) / xs.length) };
}

export function groupAdvantages(estimator: GroupEstimator, perSequence: readonly (readonly number[])[], o: GroupOptions): number[][] {
  const G = o.groupSize;
  checkGroups(estimator, perSequence.length, G);
  const eps = o.eps ?? 1e-8;
  const out: number[][] = [];
  for (let g = 0; g < perSequence.length; g += G) {
    const group = perSequence.slice(g, g + G);
    if (group.some((r) => r.length === 0)) throw new RangeError('a response has at least its <eos> token');
    out.push(...ofGroup(estimator, group, o.stdNorm, eps));
  }
  return out;
}

function ofGroup(estimator: GroupEstimator, group: readonly (readonly number[])[], stdNorm: boolean, eps: number): number[][] {
  const G = group.length;
  switch (estimator) {
    case 'grpo': {
      // Outcome supervision: Â_{i,t} = (R_i − mean R)/(std R + ε) on every token of response i.
      const R = group.map(sum);
      const { mean, std } = moments(R);
      return group.map((r, i) => new Array<number>(r.length).fill(stdNorm ? ((R[i] ?? 0) - mean) / (std + eps) : (R[i] ?? 0) - mean));
    }
    case 'grpo-process': {
      // Process supervision: every step reward normalised over all steps of the group, then summed to go.
      const { mean, std } = moments(group.flat());
      return group.map((r) => rewardToGo(r.map((x) => (stdNorm ? (x - mean) / (std + eps) : x - mean))));
    }
    case 'rloo': {
      // Â_i = R_i − mean_{j≠i} R_j on every token of response i.
      const R = group.map(sum);
      const total = sum(R);
      return group.map((r, i) => new Array<number>(r.length).fill((R[i] ?? 0) - (total - (R[i] ?? 0)) / (G - 1)));
    }
    case 'rloo-dense': {
      // Â_{i,t} = g_{i,t} − mean of g_{j,t} over the others j still running at t (0 when none is).
      const togo = group.map((r) => rewardToGo(r));
      return togo.map((gi, i) =>
        gi.map((x, t) => {
          const others = togo.filter((gj, j) => j !== i && gj.length > t).map((gj) => gj[t] ?? 0);
          return others.length ? x - sum(others) / others.length : x;
        }),
      );
    }
  }
}

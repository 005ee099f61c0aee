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

/**
 * Proposition 3.2 of the RTO paper on a toy tree: finding the best response of an oracle LM π* with sentence-level
 * feedback (log π*(y|x) of a whole response) versus token-level feedback (log π*(y_h | x, y_<h) of each token).
 *
 * The prompt is fixed, so a response is a sequence y ∈ {0..A−1}^H and π* is the full A-ary tree of depth H with a
 * conditional distribution over the A next tokens at every internal node. Premise: some response has
 * π*(y) ≥ τ := A^(−ξ). Then the best response y* = argmax log π*(y) has π*(y*) ≥ τ, and so does every prefix of y*
 * (a prefix's probability is at least that of any of its extensions): a prefix below τ cannot lead to y*.
 */
import { createRng, type Rng } from '../rng';

export interface OracleTree {
  /** Vocabulary size. */
  A: number;
  /** Horizon (response length). */
  H: number;
  /** The premise's exponent: exactly one response has π* ≥ A^(−ξ). */
  xi: number;
  /** The planted best response (the one response with π* ≥ A^(−ξ)). */
  good: number[];
  /**
   * π*(a | prefix) for every internal node, nodes in level order (see nodeIndex): cond[nodeIndex(prefix)·A + a].
   * Zeros occur only for ξ = 0 (π*(y*) = 1 forces the other tokens along y* to probability 0).
   */
  cond: Float64Array;
}

export interface SentenceSearchResult {
  /** Sentence rewards read: every complete response, A^H. */
  samples: number;
  best: number[];
  /** The responses in the order they were evaluated (lexicographic). */
  order: number[][];
}

export interface VisitedPrefix {
  prefix: number[];
  /** π*(prefix) < A^(−ξ): neither this prefix nor anything below it is evaluated further. */
  pruned: boolean;
}

export interface TokenSearchResult {
  /** Proposition 3.2's count: the most prefixes evaluated at any one depth (see the comment on tokenLevelSearch). */
  samples: number;
  /** The best surviving complete response; empty only when the premise fails for the ξ searched with. */
  best: number[];
  /** Every evaluated prefix in depth-first order (children left to right), for the animation. */
  visited: VisitedPrefix[];
  /** widthByDepth[h − 1] = prefixes of length h evaluated; samples is its maximum. */
  widthByDepth: number[];
  /** Token rewards read in total (= visited.length); not what the proposition counts, shown for honesty. */
  tokenEvaluations: number;
}

/** Slack on the log-space comparison with log A^(−ξ), so a prefix at exactly A^(−ξ) is never lost to rounding. */
const LOG_TOLERANCE = 1e-9;

function checkInt(name: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be an integer from ${lo} to ${hi}, got ${value}`);
  }
}

/** Throws a RangeError unless A ∈ {2,3,4}, H ∈ {1..6} and ξ ∈ {0..H}. */
export function validateTheoryParams(A: number, H: number, xi: number): void {
  checkInt('A (vocabulary size)', A, 2, 4);
  checkInt('H (horizon)', H, 1, 6);
  checkInt('ξ (xi)', xi, 0, H);
}

/** Level-order index of a prefix's node: depth-d nodes follow all shallower ones, then base-A order. */
export function nodeIndex(A: number, prefix: readonly number[]): number {
  let offset = 0;
  let width = 1;
  let rank = 0;
  for (const a of prefix) {
    offset += width;
    width *= A;
    rank = rank * A + a;
  }
  return offset + rank;
}

function checkPrefix(tree: OracleTree, prefix: readonly number[], maxLength: number): void {
  if (prefix.length > maxLength) throw new RangeError(`prefix of length ${prefix.length} is longer than ${maxLength}`);
  for (const a of prefix) {
    if (!Number.isInteger(a) || a < 0 || a >= tree.A) throw new RangeError(`token ${a} is outside 0..${tree.A - 1}`);
  }
}

/** π*(· | prefix) as an array of A probabilities (prefix shorter than H). */
export function conditional(tree: OracleTree, prefix: readonly number[]): number[] {
  checkPrefix(tree, prefix, tree.H - 1);
  const base = nodeIndex(tree.A, prefix) * tree.A;
  return Array.from(tree.cond.subarray(base, base + tree.A));
}

/** log π*(prefix | x) = the sum of the token rewards log π*(y_h | x, y_<h) along the prefix (0 for the empty one). */
export function prefixLogProb(tree: OracleTree, prefix: readonly number[]): number {
  checkPrefix(tree, prefix, tree.H);
  let logp = 0;
  for (let h = 0; h < prefix.length; h++) {
    logp += Math.log(tree.cond[nodeIndex(tree.A, prefix.slice(0, h)) * tree.A + prefix[h]!]!);
  }
  return logp;
}

/** The sentence reward log π*(y | x) of a complete response. */
export function sentenceLogProb(tree: OracleTree, y: readonly number[]): number {
  if (y.length !== tree.H) throw new RangeError(`a response has ${tree.H} tokens, got ${y.length}`);
  return prefixLogProb(tree, y);
}

/** Every response in lexicographic order (A^H of them). */
export function allResponses(A: number, H: number): number[][] {
  const out: number[][] = [];
  const total = A ** H;
  for (let i = 0; i < total; i++) {
    const y = new Array<number>(H);
    for (let h = H - 1, r = i; h >= 0; h--, r = Math.floor(r / A)) y[h] = r % A;
    out.push(y);
  }
  return out;
}

/** Flat-Dirichlet weights over n entries (normalised exponential draws). */
function dirichlet(rng: Rng, n: number): number[] {
  const w = Array.from({ length: n }, () => -Math.log(1 - rng.next()));
  const sum = w.reduce((s, v) => s + v, 0);
  return sum > 0 ? w.map((v) => v / sum) : w.map(() => 1 / n);
}

/**
 * Shares over n children (summing to 1) for a mass whose load is s = mass / (n · capacity per child) < 1: a mix of
 * uniform and random shares, as random as possible while every child's own load stays ≤ (1 + s) / 2 < 1.
 */
function mixedShares(rng: Rng, n: number, s: number): number[] {
  const r = dirichlet(rng, n);
  const excess = n * Math.max(...r) - 1;
  const lambda = s <= 0 || excess <= 0 ? 1 : Math.min(1, (1 - s) / (2 * s * excess));
  return r.map((ri) => (1 - lambda) / n + lambda * ri);
}

/**
 * A deterministic oracle π* for (A, H, ξ, seed) in which exactly one response y* (`good`, drawn from the seed) has
 * π*(y*) ≥ τ = A^(−ξ), and every other response has π* < τ. Construction:
 *
 * 1. P := π*(y*) = 1 when ξ = 0 (the premise then forces a deterministic y*), else τ + (1 − τ)(0.05 + 0.2u), u ~ U[0,1).
 * 2. A subtree rooted at depth d has A^(H−d) leaves, so it can hold mass below A^(H−d)·τ with every leaf still < τ;
 *    call cap_d = (A − 1)·A^(H−d−1)·τ what the A − 1 off-path children of y*'s depth-d prefix can hold. The mass
 *    1 − P that leaves y* is dropped along y* in proportion to cap_d (so mostly near the root, as an LM is unsure of
 *    its first words and sure of the rest): drop_d = (1 − P)·cap_d / Σ cap, Σ cap = A^(H−ξ) − τ > 1 − P, so each
 *    drop_d < cap_d. The good token's conditional is G_{d+1} / G_d with G_0 = 1, G_{d+1} = G_d − drop_d (G_H = P).
 * 3. Every mass below a node is split by mixedShares with load s < 1, which keeps each child's load < 1, so off-path
 *    masses stay under their capacities down to the leaves: every leaf but y* ends strictly below τ ≤ P.
 *
 * Off-path prefixes near the root can still be ≥ τ (they hold up to cap_d): those are the ones token-level search
 * has to look under before their probability runs out, the more of them the larger ξ.
 */
export function makeOracleTree(A: number, H: number, xi: number, seed: number | string): OracleTree {
  validateTheoryParams(A, H, xi);
  const rng = createRng(`rto-oracle-tree/${A}/${H}/${xi}/${seed}`);
  const tau = A ** -xi;
  const good = Array.from({ length: H }, () => rng.int(A));
  const P = xi === 0 ? 1 : tau + (1 - tau) * (0.05 + 0.2 * rng.next());
  const cap = Array.from({ length: H }, (_, d) => (A - 1) * A ** (H - d - 1) * tau);
  const capSum = cap.reduce((s, c) => s + c, 0);
  const drop = cap.map((c) => ((1 - P) * c) / capSum);
  const G = [1];
  for (let d = 0; d < H; d++) G.push(G[d]! - drop[d]!);

  const cond = new Float64Array(((A ** H - 1) / (A - 1)) * A);
  const fill = (prefix: number[], mass: number, onGood: boolean): void => {
    const d = prefix.length;
    if (d === H) return;
    const childCap = A ** (H - d - 1) * tau;
    let probs: number[];
    if (onGood) {
      const g = good[d]!;
      const c = G[d + 1]! / G[d]!;
      const shares = mixedShares(rng, A - 1, drop[d]! / cap[d]!);
      probs = [];
      for (let a = 0, j = 0; a < A; a++) probs.push(a === g ? c : (1 - c) * shares[j++]!);
    } else {
      probs = mixedShares(rng, A, mass / (A * childCap));
    }
    const base = nodeIndex(A, prefix) * A;
    probs.forEach((p, a) => {
      cond[base + a] = p;
    });
    probs.forEach((p, a) => fill([...prefix, a], mass * p, onGood && a === good[d]));
  };
  fill([], 1, true);
  return { A, H, xi, good, cond };
}

/** Sample counts of Proposition 3.2: A^H with sentence-level feedback, A^min(ξ+1, H) with token-level feedback. */
export function sampleBounds(A: number, H: number, xi: number): { sentence: number; token: number } {
  validateTheoryParams(A, H, xi);
  return { sentence: A ** H, token: A ** Math.min(xi + 1, H) };
}

/**
 * Sentence-level feedback scores only complete responses, and a response never scored could be the best one, so the
 * search reads all A^H sentence rewards (lexicographic order) before it can name the argmax. Ties go to the first.
 */
export function sentenceLevelSearch(tree: OracleTree): SentenceSearchResult {
  const order = allResponses(tree.A, tree.H);
  let best = order[0]!;
  let bestLogp = -Infinity;
  for (const y of order) {
    const logp = sentenceLogProb(tree, y);
    if (logp > bestLogp) {
      best = y;
      bestLogp = logp;
    }
  }
  return { samples: order.length, best: [...best], order };
}

/**
 * Token-level search: depth first from the root, children left to right. Each child prefix is evaluated (its token
 * reward is read, so log π*(prefix) is known) and pruned, with everything below it, when π*(prefix) < A^(−ξ); a
 * surviving prefix of length < H is expanded. The best surviving complete response is returned (ties: the first).
 *
 * How a sample is counted. The set of evaluated prefixes does not depend on the visiting order: it is the A children
 * of every surviving prefix. Run level by level, the search is a batch of partial responses, one per prefix evaluated
 * at the current depth, each extended by one token per step; the responses on pruned prefixes are dropped and their
 * slots reused at the next depth (the surviving prefixes they fork from are already scored). `samples` is that
 * batch size, the most prefixes evaluated at one depth, and it obeys the proposition on every tree: the prefixes of
 * one length are disjoint events, so at most A^ξ of them reach A^(−ξ); depth h evaluates A children of each survivor
 * at depth h − 1, at most A·min(A^(h−1), A^ξ) ≤ A^min(ξ+1, H). Fig. 2 (A = 2, H = 3, ξ = 1): at most 2 survivors per
 * depth, so at most 4 responses, against the 8 that sentence-level search must score.
 * What this does not count: the total number of token rewards read (`tokenEvaluations`), up to H times the batch
 * size; no total count can meet the bound for ξ = 0 (the batch is A, but the path has H tokens to find).
 */
export function tokenLevelSearch(tree: OracleTree, xi: number = tree.xi): TokenSearchResult {
  checkInt('ξ (xi)', xi, 0, tree.H);
  const { A, H } = tree;
  const logTau = -xi * Math.log(A);
  const visited: VisitedPrefix[] = [];
  const widthByDepth = new Array<number>(H).fill(0);
  let best: number[] = [];
  let bestLogp = -Infinity;
  const expand = (prefix: number[], logp: number): void => {
    const base = nodeIndex(A, prefix) * A;
    for (let a = 0; a < A; a++) {
      const child = [...prefix, a];
      const childLogp = logp + Math.log(tree.cond[base + a]!);
      const pruned = childLogp < logTau - LOG_TOLERANCE;
      visited.push({ prefix: child, pruned });
      widthByDepth[prefix.length]! += 1;
      if (pruned) continue;
      if (child.length < H) expand(child, childLogp);
      else if (best.length === 0 || childLogp > bestLogp) {
        best = child;
        bestLogp = childLogp;
      }
    }
  };
  expand([], 0);
  return { samples: Math.max(...widthByDepth), best, visited, widthByDepth, tokenEvaluations: visited.length };
}

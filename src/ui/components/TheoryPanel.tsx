import { memo, useEffect, useId, useMemo, useState } from 'react';
import { makeOracleTree, nodeIndex, sampleBounds, sentenceLevelSearch, tokenLevelSearch } from '../../lab/theory/search';

type Mode = 'token' | 'sentence';
type NodeState = 'visited' | 'pruned' | 'cut';

const MAX_LEAVES = 1024;
const WIDTH = 720;
const ROW = 56;
/** Largest horizon whose A^H leaves still fit the drawing. */
const maxHorizon = (A: number) => Math.min(6, Math.floor(Math.log(MAX_LEAVES + 0.5) / Math.log(A)));

interface DrawnNode {
  key: number;
  prefix: number[];
  x: number;
  y: number;
  r: number;
}

/** Every prefix of the A-ary tree, root at the top, children left to right, each centred over its leaves. */
function layout(A: number, H: number): DrawnNode[] {
  const leaves = A ** H;
  const nodes: DrawnNode[] = [];
  const walk = (prefix: number[], rank: number) => {
    const d = prefix.length;
    const span = (A ** (H - d) / leaves) * WIDTH;
    nodes.push({ key: nodeIndex(A, prefix), prefix, x: (rank + 0.5) * span, y: 14 + d * ROW, r: Math.max(1.5, Math.min(9, span / 2.6)) });
    if (d < H) for (let a = 0; a < A; a++) walk([...prefix, a], rank * A + a);
  };
  walk([], 0);
  return nodes;
}

function Slider(props: { label: string; value: number; min: number; max: number; testId: string; onChange: (v: number) => void }) {
  const id = useId();
  return (
    <div className="theory-slider">
      <label htmlFor={id}>
        {props.label} <output htmlFor={id}>{props.value}</output>
      </label>
      <input id={id} type="range" min={props.min} max={props.max} step={1} value={props.value} data-testid={props.testId} disabled={props.min === props.max} onChange={(e) => props.onChange(Number(e.target.value))} />
    </div>
  );
}

/** Proposition 3.2 as a picture: the same oracle tree searched with sentence-level and with token-level feedback. */
export const TheoryPanel = memo(function TheoryPanel() {
  const hatchId = `theory-hatch-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const [A, setA] = useState(2);
  const [H, setH] = useState(3);
  const [xi, setXi] = useState(1);
  const [seed, setSeed] = useState(0);
  const [mode, setMode] = useState<Mode>('token');
  const [step, setStep] = useState(0);
  const [playing, setPlaying] = useState(false);

  const tree = useMemo(() => makeOracleTree(A, H, xi, seed), [A, H, xi, seed]);
  const sentence = useMemo(() => sentenceLevelSearch(tree), [tree]);
  const token = useMemo(() => tokenLevelSearch(tree, xi), [tree, xi]);
  const bounds = sampleBounds(A, H, xi);
  const nodes = useMemo(() => layout(A, H), [A, H]);
  const total = mode === 'token' ? token.visited.length : sentence.order.length;
  const shown = Math.min(step, total);
  const done = shown === total;
  const running = playing && !done;

  useEffect(() => {
    if (!running) return;
    const delay = Math.max(15, Math.min(400, 6000 / total));
    const timer = setInterval(() => setStep((s) => s + 1), delay);
    return () => clearInterval(timer);
  }, [running, total]);

  const reset = () => {
    setStep(0);
    setPlaying(false);
  };
  const togglePlay = () => {
    if (done && !running) setStep(0);
    setPlaying(!running);
  };
  const change = (apply: () => void) => () => {
    apply();
    reset();
  };
  const setParams = (a: number, h: number, x: number) => {
    const hh = Math.min(h, maxHorizon(a));
    setA(a);
    setH(hh);
    setXi(Math.min(x, hh));
    reset();
  };

  const states = useMemo(() => {
    const map = new Map<number, NodeState>([[0, 'visited']]);
    if (mode === 'sentence') {
      for (const y of sentence.order.slice(0, shown)) map.set(nodeIndex(A, y), 'visited');
      return map;
    }
    for (const v of token.visited.slice(0, shown)) map.set(nodeIndex(A, v.prefix), v.pruned ? 'pruned' : 'visited');
    return map;
  }, [mode, sentence, token, shown, A]);

  const stateOf = (prefix: number[]): NodeState | undefined => {
    const own = states.get(nodeIndex(A, prefix));
    if (own) return own;
    for (let d = prefix.length - 1; d >= 1; d--) if (states.get(nodeIndex(A, prefix.slice(0, d))) === 'pruned') return 'cut';
    return undefined;
  };
  const best = mode === 'token' ? token.best : sentence.best;
  const onBest = (prefix: number[]) => done && prefix.every((a, i) => best[i] === a);
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const prunedCount = token.visited.filter((v) => v.pruned).length;
  const summary = `Oracle tree with ${A} tokens and horizon ${H} (${bounds.sentence} responses). Sentence-level search uses ${sentence.samples} samples; token-level search uses ${token.samples} (bound ${bounds.token}) and prunes ${prunedCount} prefixes below ${A}^−${xi}. Showing ${mode}-level search, step ${shown} of ${total}.`;

  return (
    <section className="panel theory" data-testid="theory-panel" aria-labelledby={`${hatchId}-title`}>
      <h2 id={`${hatchId}-title`}>Why token-level reward helps (Proposition 3.2)</h2>
      <div className="theory-controls">
        <Slider label="A (vocabulary)" value={A} min={2} max={4} testId="theory-a" onChange={(a) => setParams(a, H, xi)} />
        <Slider label="H (horizon)" value={H} min={1} max={maxHorizon(A)} testId="theory-h" onChange={(h) => setParams(A, h, xi)} />
        <Slider label="ξ (premise: some π*(y) ≥ A^−ξ)" value={xi} min={0} max={H} testId="theory-xi" onChange={(x) => setParams(A, H, x)} />
        <button type="button" onClick={change(() => setSeed((s) => s + 1))}>New π*</button>
      </div>
      <p className="hint">H is capped so the tree has at most {MAX_LEAVES} responses (A = 4 stops at H = 5).</p>
      <fieldset className="theory-mode">
        <legend>Feedback</legend>
        {(['sentence', 'token'] as const).map((m) => (
          <label key={m}>
            <input type="radio" name={`${hatchId}-mode`} value={m} checked={mode === m} onChange={change(() => setMode(m))} />
            {m === 'token' ? 'Token-level search' : 'Sentence-level search'}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button type="button" onClick={togglePlay}>{running ? 'Pause' : 'Play'}</button>
        <button type="button" onClick={() => setStep((s) => Math.min(s + 1, total))} disabled={done}>Step</button>
        <button type="button" onClick={reset}>Reset</button>
        <span className="hint" aria-live="polite">step {shown} of {total}</span>
      </div>
      <ul className="theory-counts">
        <li>Sentence-level: samples used: <strong data-testid="theory-sentence-samples">{sentence.samples}</strong> of A^H = {bounds.sentence}</li>
        <li>
          Token-level: samples used: <strong data-testid="theory-token-samples">{token.samples}</strong> of A^H = {bounds.sentence}; bound A^min(ξ+1,H) = {bounds.token}
          <span className="hint"> (samples = most prefixes scored at one depth; {token.tokenEvaluations} token rewards read in all)</span>
        </li>
      </ul>
      <svg className="theory-tree" viewBox={`0 0 ${WIDTH} ${28 + H * ROW}`} role="img" aria-label={summary}>
        <defs>
          <pattern id={hatchId} width={5} height={5} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width={5} height={5} fill="#fbe4e2" />
            <line x1={0} y1={0} x2={0} y2={5} stroke="#b3261e" strokeWidth={2} />
          </pattern>
        </defs>
        {nodes.map((n) => {
          const parent = n.prefix.length > 0 ? byKey.get(nodeIndex(A, n.prefix.slice(0, -1))) : undefined;
          return parent && <line key={`e${n.key}`} x1={parent.x} y1={parent.y} x2={n.x} y2={n.y} className={onBest(n.prefix) ? 'theory-edge theory-edge-best' : 'theory-edge'} />;
        })}
        {nodes.map((n) => {
          const state = stateOf(n.prefix);
          return <circle key={n.key} cx={n.x} cy={n.y} r={n.r} className={`theory-node${state ? ` theory-node-${state}` : ''}${onBest(n.prefix) ? ' theory-node-best' : ''}`} fill={state === 'cut' ? `url(#${hatchId})` : undefined} />;
        })}
      </svg>
      <p className="hint theory-legend">
        <span className="theory-key theory-node-visited" /> scored <span className="theory-key theory-node-pruned" /> pruned (below A^−ξ) <span className="theory-key theory-key-cut" /> cut off with it <span className="theory-key" /> never looked at; bold: the best response found.
      </p>
      <div className="theory-explain">
        <p>With sentence-level feedback a response earns one number only once it is complete, so a response you have not tried could always be the best one and every one of the A^H responses has to be scored.</p>
        <p>Token-level feedback scores each prefix as it grows, and since the best response has probability at least A^−ξ, any prefix that has already fallen below A^−ξ is pruned together with everything below it: at any one depth at most A^ξ prefixes survive, so at most A^min(ξ+1,H) need scoring.</p>
        <p>That exponential gap is RTO&apos;s case for dense rewards: a per-token reward (RTO reads it off a DPO model) tells the policy early which continuations are hopeless, where a single reward at the end of the sentence cannot.</p>
      </div>
    </section>
  );
});

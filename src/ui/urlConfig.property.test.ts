/**
 * Property tests of the address-hash parser (urlConfig.ts) with fast-check: valid, mutated and random hashes
 * (7,000 in all). Nothing throws, every problem is a line of text, whatever comes out resolves and round-trips
 * exactly through hashOfConfig, and a hash that breaks a cross-field rule always gets that rule's message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CROSS_FIELD_RULES, mergeSettings, PRESET_NAMES, resolveSettings, ruleMessage, SETTINGS, setupProblems, type PresetName, type Settings } from '../lab/config';
import { MAX_SWEEP_FRACTIONS } from './sweepPlan';
import { hashOfConfig, HIDEABLE, parseHashConfig, TASK_NAMES, type Hideable, type UrlConfig } from './urlConfig';

type Overrides = Partial<Record<string, number>>;

/** A value the settings table accepts for `spec` (never −0, which prints as "0"). */
const valueOf = (spec: (typeof SETTINGS)[number]): fc.Arbitrary<number> =>
  spec.integer ? fc.integer({ min: spec.min, max: spec.max }) : fc.double({ min: spec.min, max: spec.max, noNaN: true }).map((v) => (v === 0 ? 0 : v));

const someValidValues: fc.Arbitrary<Overrides> = fc.record(Object.fromEntries(SETTINGS.map((s) => [s.key, valueOf(s)])) as Record<string, fc.Arbitrary<number>>, { requiredKeys: [] });

/** Width a multiple of heads and prompts a multiple of minibatches, each pair in range. */
const rulePairs: fc.Arbitrary<Overrides> = fc
  .record({ heads: fc.integer({ min: 1, max: 16 }), widthK: fc.integer({ min: 1, max: 512 }), minibatches: fc.integer({ min: 1, max: 256 }), promptsK: fc.integer({ min: 1, max: 4096 }) })
  .map(({ heads, widthK, minibatches, promptsK }) => {
    const width = Math.min(Math.max(heads * widthK, heads * Math.ceil(8 / heads)), heads * Math.floor(512 / heads));
    const rlPrompts = Math.min(Math.max(minibatches * promptsK, minibatches * Math.ceil(2 / minibatches)), minibatches * Math.floor(4096 / minibatches));
    return { heads, width, rlMinibatches: minibatches, rlPrompts };
  });

const preset = fc.constantFrom(...PRESET_NAMES);
const task = fc.constantFrom(...TASK_NAMES);
const hide = fc.subarray([...HIDEABLE]);
const sweep = fc.option(fc.uniqueArray(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: MAX_SWEEP_FRACTIONS, comparator: (a, b) => Math.abs(a - b) < 1e-9 }).map((f) => [...f].sort((a, b) => b - a)), { nil: null });

/** The values of a rule's fields dropped from `overrides` while the merged setup breaks it (a valid setup is the result). */
function keepingRules(p: PresetName, t: UrlConfig['task'], overrides: Overrides): Overrides {
  const out = { ...overrides };
  // Until no rule breaks: dropping one rule's fields can break another that shares a field (rlPrompts).
  for (let again = true; again; ) {
    again = false;
    for (const rule of CROSS_FIELD_RULES) {
      if (rule.check(mergeSettings(p, out, t) as Settings)) continue;
      for (const k of rule.fields) {
        if (out[k] === undefined) continue;
        delete out[k];
        again = true;
      }
    }
  }
  return out;
}

const validConfig = fc
  .record({ preset, task, values: someValidValues, pairs: fc.option(rulePairs, { nil: undefined }), hide, sweep })
  .map(({ preset: p, task: t, values, pairs, hide: h, sweep: s }) => ({ preset: p, task: t, overrides: keepingRules(p, t, { ...values, ...pairs }), hide: new Set<Hideable>(h), sweep: s }));

/** What a hash came out as, checked for the properties every parse must have. */
function checkParsed(hash: string): UrlConfig {
  const c = parseHashConfig(hash);
  expect(c.problems.every((p) => typeof p === 'string' && p.length > 0)).toBe(true);
  expect(setupProblems(c.preset, c.overrides, c.task)).toEqual([]);
  expect(() => resolveSettings(c.preset, c.overrides, c.task)).not.toThrow();
  const again = parseHashConfig(hashOfConfig(c));
  expect(again).toEqual({ ...c, problems: [] });
  return c;
}

const KEYS = ['preset', 'task', 'hide', 'sweep', ...SETTINGS.map((s) => s.key)];
const junk = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'NaN', 'Infinity', '-1', '1e999', '0x10', ' 3', '3 ', '1/2', '%', '%zz', '+', '&', '=', 'small', 'oracle', 'backend,score', '3'.repeat(300)));

describe('address hashes (property tests)', () => {
  it('a valid configuration round-trips exactly, with no problems', () => {
    fc.assert(
      fc.property(validConfig, (config) => {
        const hash = hashOfConfig(config);
        const parsed = parseHashConfig(hash);
        expect(parsed).toEqual({ ...config, problems: [] });
        expect(parseHashConfig(hashOfConfig(parsed))).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  it('a mutated valid hash (values replaced, keys added, pieces cut) never throws and its result round-trips', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...KEYS), value: junk }),
      fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...KEYS), fc.string()), value: junk }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: junk }),
    );
    fc.assert(
      fc.property(validConfig, fc.array(mutation, { minLength: 1, maxLength: 4 }), (config, mutations) => {
        let hash = hashOfConfig(config);
        for (const m of mutations) {
          if (m.kind === 'set' || m.kind === 'add') {
            const params = new URLSearchParams(hash.slice(1));
            if (m.kind === 'set') params.set(m.key, m.value);
            else params.append(m.key, m.value);
            hash = `#${params.toString()}`;
          } else if (m.kind === 'cut') hash = hash.slice(0, m.at % (hash.length + 1));
          else {
            const at = m.at % (hash.length + 1);
            hash = hash.slice(0, at) + m.text + hash.slice(at);
          }
        }
        checkParsed(hash);
      }),
      { numRuns: 2000 },
    );
  });

  it('random text and random key=value lists never throw, and what comes out round-trips', () => {
    const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string()), junk), { maxLength: 8 }).map((kv) => `#${kv.map(([k, v]) => `${k}=${v}`).join('&')}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), pairs), (hash) => {
        checkParsed(hash);
      }),
      { numRuns: 2000 },
    );
  });

  it('a hash that breaks a cross-field rule always gets that rule message, and the values are dropped', () => {
    const broken = fc
      .record({ preset, task, rule: fc.constantFrom(...CROSS_FIELD_RULES), values: someValidValues, both: fc.boolean() })
      .chain(({ preset: p, task: t, rule, values, both }) => {
        const [a, b] = rule.fields;
        const specA = SETTINGS.find((s) => s.key === a)!;
        const specB = SETTINGS.find((s) => s.key === b)!;
        const others = keepingRules(p, t, Object.fromEntries(Object.entries(values).filter(([k]) => k !== a && k !== b)));
        return fc.record({ va: valueOf(specA), vb: valueOf(specB) }).map(({ va, vb }) => ({ preset: p, task: t, rule, addressed: { ...others, ...(both ? { [a]: va } : {}), [b]: vb } as Overrides }));
      })
      .filter(({ preset: p, task: t, rule, addressed }) => !rule.check(mergeSettings(p, addressed, t) as Settings));
    fc.assert(
      fc.property(broken, ({ preset: p, task: t, rule, addressed }) => {
        const c = checkParsed(hashOfConfig({ preset: p, task: t, overrides: addressed }));
        const message = ruleMessage(rule, mergeSettings(p, addressed, t));
        expect(c.problems.some((line) => line.startsWith(`${message}; `))).toBe(true);
        expect(c.overrides[rule.fields[1]]).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});

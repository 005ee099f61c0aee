/**
 * Property tests of the settings validator and resolver (config.ts) with fast-check: valid, mutated and random
 * settings objects (5,000 in all). Nothing throws, every problem is a line of text, a valid object survives
 * keepValidSettings and resolveSettings unchanged, one bad value gives one problem naming it and is the only one
 * dropped, and breaking a cross-field rule always gives that rule's exact message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenRules, CROSS_FIELD_RULES, keepValidSettings, PRESET_NAMES, resolveSettings, REWARD_PRESET_NAMES, ruleMessage, SETTINGS, validateSettings, type Settings } from './config';

type Spec = (typeof SETTINGS)[number];

const valueOf = (spec: Spec): fc.Arbitrary<number> => (spec.integer ? fc.integer({ min: spec.min, max: spec.max }) : fc.double({ min: spec.min, max: spec.max, noNaN: true }));

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A whole settings object the table accepts: width a multiple of heads, prompts a multiple of minibatches and of the group size. */
const validSettings: fc.Arbitrary<Settings> = fc
  .record({
    values: fc.record(Object.fromEntries(SETTINGS.map((s) => [s.key, valueOf(s)])) as Record<string, fc.Arbitrary<number>>),
    widthK: fc.integer({ min: 1, max: 512 }),
    promptsK: fc.integer({ min: 1, max: 4096 }),
  })
  .map(({ values, widthK, promptsK }) => {
    const v = values as Settings;
    const width = Math.min(Math.max(v.heads * widthK, v.heads * Math.ceil(8 / v.heads)), v.heads * Math.floor(512 / v.heads));
    // Prompts a multiple of lcm(minibatches, group size); a group size whose lcm passes 4,096 becomes 1.
    const lcm = (v.rlMinibatches * v.groupSize) / gcd(v.rlMinibatches, v.groupSize);
    const groupSize = lcm <= 4096 ? v.groupSize : 1;
    const m = lcm <= 4096 ? lcm : v.rlMinibatches;
    const rlPrompts = Math.min(Math.max(m * promptsK, m * Math.ceil(2 / m)), m * Math.floor(4096 / m));
    return { ...v, width, rlPrompts, groupSize };
  });

/** A value the table refuses for `spec`: out of range, fractional where it counts, not finite, or not a number. */
const badValueOf = (spec: Spec): fc.Arbitrary<unknown> =>
  fc.oneof(
    // (the filters: fast-check's excluded bound 0 can still give −0, which is 0 and in range)
    fc.double({ min: spec.max, noNaN: true, minExcluded: true }).filter((x) => x > spec.max),
    fc.double({ max: spec.min, noNaN: true, maxExcluded: true }).filter((x) => x < spec.min),
    fc.constantFrom(NaN, Infinity, -Infinity),
    ...(spec.integer ? [fc.integer({ min: spec.min, max: spec.max - 1 }).map((n) => n + 0.5)] : []),
    fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.bigInt()),
  );

const allProblemsAreText = (problems: unknown[]) => problems.every((p) => typeof p === 'string' && p.length > 0);

describe('settings objects (property tests)', () => {
  it('a valid settings object has no problems and survives keepValidSettings and resolveSettings unchanged', () => {
    fc.assert(
      fc.property(validSettings, fc.constantFrom(...PRESET_NAMES), fc.constantFrom('sentiment' as const, 'oracle' as const), fc.constantFrom(...REWARD_PRESET_NAMES), (s, preset, task, rewards) => {
        expect(validateSettings(s)).toEqual([]);
        expect(keepValidSettings(s)).toEqual(s);
        expect(resolveSettings(preset, s, task, rewards)).toEqual(s);
      }),
      { numRuns: 1500 },
    );
  });

  it('one bad value gives one problem naming that setting, and keepValidSettings drops only it', () => {
    const mutated = validSettings.chain((s) =>
      fc.constantFrom(...SETTINGS).chain((spec) => badValueOf(spec).map((bad) => ({ s, spec, bad }))),
    );
    fc.assert(
      fc.property(mutated, ({ s, spec, bad }) => {
        const values = { ...s, [spec.key]: bad } as unknown as Partial<Record<string, number>>;
        const problems = validateSettings(values);
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(`${spec.label} (${spec.key}) must be`);
        const kept = keepValidSettings(values);
        expect(Object.keys(kept).sort()).toEqual(SETTINGS.map((x) => x.key).filter((k) => k !== spec.key).sort());
        expect(() => resolveSettings('tiny', values)).toThrow(RangeError);
      }),
      { numRuns: 1500 },
    );
  });

  it('random objects never make the validator throw; what keepValidSettings keeps is valid on its own', () => {
    const known = fc.constantFrom(...SETTINGS.map((s) => s.key));
    const random = fc.dictionary(fc.oneof(known, fc.string()), fc.oneof(fc.anything(), fc.double(), fc.integer()), { maxKeys: 12 });
    fc.assert(
      fc.property(random, (values) => {
        const input = values as Partial<Record<string, number>>;
        expect(allProblemsAreText(validateSettings(input))).toBe(true);
        const kept = keepValidSettings(input);
        for (const [k, v] of Object.entries(kept)) expect(validateSettings({ [k]: v })).toEqual([]);
        try {
          const resolved = resolveSettings('small', kept);
          expect(validateSettings(resolved)).toEqual([]);
        } catch (error) {
          // Only a cross-field rule can still be broken by values that are each fine.
          expect(error).toBeInstanceOf(RangeError);
          expect(brokenRules({ ...resolveSettings('small'), ...kept }).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('breaking a cross-field rule always gives that rule exact message', () => {
    const broken = fc
      .record({ s: validSettings, rule: fc.constantFrom(...CROSS_FIELD_RULES) })
      .chain(({ s, rule }) => {
        const [a, b] = rule.fields;
        const specA = SETTINGS.find((x) => x.key === a)!;
        const specB = SETTINGS.find((x) => x.key === b)!;
        return fc.record({ va: valueOf(specA), vb: valueOf(specB) }).map(({ va, vb }) => ({ values: { ...s, [a]: va, [b]: vb } as Settings, rule }));
      })
      .filter(({ values, rule }) => !rule.check(values));
    fc.assert(
      fc.property(broken, ({ values, rule }) => {
        const message = ruleMessage(rule, values);
        const [a, b] = rule.fields;
        expect(message).toContain(`(${values[a]})`);
        expect(message).toContain(`(${values[b]})`);
        expect(validateSettings(values)).toContain(message);
        expect(() => resolveSettings('tiny', values)).toThrow(message);
      }),
      { numRuns: 1000 },
    );
  });
});

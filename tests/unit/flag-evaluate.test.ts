import { describe, expect, it } from 'vitest';
import { conditionHolds, evaluateFlag, movedShare, type FlagDefinition, type Segment } from '../../src/flags/evaluate.ts';

const checkout: FlagDefinition = {
  key: 'new-checkout',
  type: 'string',
  enabled: true,
  variants: [
    { key: 'off', value: 'classic', weight: 0 },
    { key: 'a', value: 'one-page', weight: 50 },
    { key: 'b', value: 'two-step', weight: 50 },
  ],
  default_variant: 'off',
  rollout_pct: 30,
  rules: [
    { id: 'staff', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@cutover.dev'] }], variant: 'b' },
    { id: 'beta', conditions: [{ attribute: 'user_id', operator: 'in', values: ['u-1', 'u-2'] }], variant: 'a' },
    { id: 'eu', conditions: [], segments: ['europe'], variant: 'a', rollout_pct: 50 },
  ],
  version: 7,
};
const segments = new Map<string, Segment>([['europe', { key: 'europe', conditions: [{ attribute: 'country', operator: 'in', values: ['FR', 'DE'] }] }]]);

describe('evaluateFlag', () => {
  it('takes the first rule that matches, saying which', () => {
    expect(evaluateFlag(checkout, { user_id: 'u-1', email: 'ada@cutover.dev' })).toMatchObject({ variant: 'b', value: 'two-step', reason: 'TARGETING_MATCH', rule_id: 'staff', context_matched: true, flag_version: 7 });
    expect(evaluateFlag(checkout, { user_id: 'u-1', email: 'ada@example.test' })).toMatchObject({ variant: 'a', rule_id: 'beta' });
  });

  it('answers the default when off, with the reason', () => {
    expect(evaluateFlag({ ...checkout, enabled: false }, { user_id: 'u-1' })).toMatchObject({ variant: 'off', value: 'classic', reason: 'DISABLED', rule_id: null });
  });

  it('splits the rollout share by weight and gives everyone else the default', () => {
    const reasons = { SPLIT: 0, DEFAULT: 0 } as Record<string, number>;
    const variants = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 20_000; i++) {
      const result = evaluateFlag(checkout, { user_id: `user-${i}` });
      reasons[result.reason] = (reasons[result.reason] ?? 0) + 1;
      if (result.reason === 'SPLIT') variants[result.variant] = (variants[result.variant] ?? 0) + 1;
      else expect(result.variant).toBe('off');
    }
    expect(reasons.SPLIT! / 20_000).toBeCloseTo(0.3, 1);
    expect(variants.a! / reasons.SPLIT!).toBeCloseTo(0.5, 1);
    expect(variants.off).toBeUndefined();
  });

  it('keeps everyone already in when the rollout grows', () => {
    const at = (pct: number) => new Set(Array.from({ length: 5_000 }, (_, i) => `user-${i}`).filter((id) => evaluateFlag({ ...checkout, rollout_pct: pct }, { user_id: id }).reason === 'SPLIT'));
    const twenty = at(20);
    const thirty = at(30);
    for (const id of twenty) expect(thirty.has(id)).toBe(true);
    expect(thirty.size).toBeGreaterThan(twenty.size);
  });

  it('applies segments and a rule of its own share', () => {
    const inEurope = Array.from({ length: 4_000 }, (_, i) => evaluateFlag(checkout, { user_id: `eu-${i}`, country: 'FR' }, segments));
    const matched = inEurope.filter((result) => result.rule_id === 'eu').length / inEurope.length;
    expect(matched).toBeGreaterThan(0.45);
    expect(matched).toBeLessThan(0.55);
    // An unknown segment makes its rule match nothing, never everything.
    expect(evaluateFlag({ ...checkout, rules: [{ id: 'x', conditions: [], segments: ['nowhere'], variant: 'b' }], rollout_pct: 0 }, { user_id: 'u' })).toMatchObject({ reason: 'DEFAULT' });
  });

  it('answers the default for a context without the stickiness attribute, and ERROR for a variant that is not there', () => {
    expect(evaluateFlag(checkout, { email: 'x@example.test' })).toMatchObject({ variant: 'off', reason: 'DEFAULT', bucket: null });
    expect(evaluateFlag({ ...checkout, rules: [{ id: 'r', conditions: [], variant: 'zzz' }] }, { user_id: 'u' })).toMatchObject({ reason: 'ERROR', variant: 'off', error: 'no variant zzz' });
  });
});

describe('conditionHolds', () => {
  const holds = (operator: Parameters<typeof conditionHolds>[0]['operator'], values: string[], value: string | number | undefined) => conditionHolds({ attribute: 'a', operator, values }, { a: value });
  it('compares versions, numbers, prefixes and patterns, and never matches a missing attribute', () => {
    expect(holds('semver_gt', ['1.9.0'], '1.10.0')).toBe(true);
    expect(holds('semver_lt', ['1.9.0'], '1.10.0')).toBe(false);
    expect(holds('semver_eq', ['2.0.0'], 'not-a-version')).toBe(false);
    expect(holds('num_gte', ['18'], 18)).toBe(true);
    expect(holds('num_lt', ['18'], '17.5')).toBe(true);
    expect(holds('num_gt', ['x'], 3)).toBe(false);
    expect(holds('starts_with', ['beta-'], 'beta-7')).toBe(true);
    expect(holds('regex', ['^u-\\d+$'], 'u-42')).toBe(true);
    expect(holds('regex', ['(unclosed'], 'u-42')).toBe(false);
    expect(holds('not_in', ['a'], 'b')).toBe(true);
    expect(holds('not_in', ['a'], undefined)).toBe(false);
  });
});

describe('movedShare', () => {
  it('is 0 for the same weights and grows with the change', () => {
    expect(movedShare(checkout, { a: 50, b: 50 })).toBe(0);
    const small = movedShare(checkout, { a: 55, b: 45 });
    const large = movedShare(checkout, { a: 90, b: 10 });
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
  });
});

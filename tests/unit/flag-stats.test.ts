import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaPdf from '@stdlib/stats-base-dists-beta-pdf';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { describe, expect, it } from 'vitest';
import { exactTermsLimit, experimentStats, srmThreshold, type VariantCounts } from '../../src/flags/stats.ts';

// Known answers are derived independently of the module: chi-square values by hand (closed forms for 1 and 2
// degrees of freedom), lift intervals by hand, and the chance to beat control by numerical integration of the
// two Beta posteriors: P(p_B > p_A) = ∫ f_A(x) (1 − F_B(x)) dx, Simpson's rule over A's posterior mass.

const v = (key: string, impressions: number, conversions: number, weight = 50): VariantCounts => ({ key, impressions, conversions, weight });

function integratedChance(control: [number, number], variant: [number, number]): number {
  const [aA, bA] = [control[1] + 1, control[0] - control[1] + 1];
  const [aB, bB] = [variant[1] + 1, variant[0] - variant[1] + 1];
  const mean = aA / (aA + bA);
  const sd = Math.sqrt((aA * bA) / ((aA + bA) ** 2 * (aA + bA + 1)));
  const lo = Math.max(0, mean - 14 * sd);
  const hi = Math.min(1, mean + 14 * sd);
  const steps = 4000;
  const h = (hi - lo) / steps;
  const g = (x: number) => betaPdf(x, aA, bA) * (1 - betaCdf(x, aB, bB));
  let sum = g(lo) + g(hi);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * g(lo + i * h);
  return (sum * h) / 3;
}

const chanceOf = (control: [number, number], variant: [number, number]) =>
  experimentStats([v('control', ...control), v('b', ...variant)], 'control').variants[1]!.chance_to_beat_control;

describe('sample-ratio mismatch', () => {
  it('is 0 with p = 1 for an exact 50/50 split', () => {
    const { srm } = experimentStats([v('a', 5000, 10), v('b', 5000, 12)], 'a');
    expect(srm).toEqual({ chi_square: 0, degrees_of_freedom: 1, p_value: 1, mismatch: false, expected: { a: 5000, b: 5000 } });
  });

  it('flags 5500/4500 at 50/50: chi² = 100, p = erfc(√50) ≈ 1.52e-23', () => {
    const { srm } = experimentStats([v('a', 5500, 10), v('b', 4500, 12)], 'a');
    expect(srm!.chi_square).toBeCloseTo(100, 9);
    expect(srm!.p_value / 1.5239706048320995e-23).toBeCloseTo(1, 6);
    expect(srm!.mismatch).toBe(true);
  });

  it('does not flag 1020/980 at 50/50: chi² = 0.8, p = 2Φ(−√0.8) ≈ 0.3711', () => {
    const { srm } = experimentStats([v('a', 1020, 1), v('b', 980, 1)], 'a');
    expect(srm!.chi_square).toBeCloseTo(0.8, 9);
    expect(srm!.p_value).toBeCloseTo(0.37109336952269767, 9);
    expect(srm!.p_value).toBeCloseTo(1 - chisquareCdf(0.8, 1), 9);
    expect(srm!.mismatch).toBe(false);
  });

  it('uses the weights as shares, excludes weight-0 variants: chi² = 15 on 2 df, p = e^−7.5', () => {
    const variants = [v('a', 1000, 0, 1), v('b', 1100, 0, 1), v('c', 1900, 0, 2), v('off', 300, 0, 0)];
    const { srm } = experimentStats(variants, 'a');
    expect(srm!.expected).toEqual({ a: 1000, b: 1000, c: 2000 });
    expect(srm!.degrees_of_freedom).toBe(2);
    expect(srm!.chi_square).toBeCloseTo(15, 9);
    expect(srm!.p_value).toBeCloseTo(Math.exp(-7.5), 12);
    expect(srm!.p_value).toBeCloseTo(1 - chisquareCdf(15, 2), 12);
    expect(srm!.p_value).toBeLessThan(srmThreshold);
    expect(srm!.mismatch).toBe(true);
  });

  it('is null with fewer than 2 weighted variants or no impressions', () => {
    expect(experimentStats([v('a', 10, 1), v('b', 10, 1, 0)], 'a').srm).toBeNull();
    expect(experimentStats([v('a', 0, 0), v('b', 0, 0)], 'a').srm).toBeNull();
    expect(srmThreshold).toBe(0.001);
  });
});

describe('lift', () => {
  it('is relative 0.2, absolute 0.02 for 100/1000 vs 120/1000, with the log-ratio interval', () => {
    const [control, b] = experimentStats([v('control', 1000, 100), v('b', 1000, 120)], 'control').variants;
    expect(control!.lift).toBeNull();
    expect(control!.conversion_rate).toBe(0.1);
    expect(b!.conversion_rate).toBe(0.12);
    expect(b!.lift!.relative).toBeCloseTo(0.2, 12);
    expect(b!.lift!.absolute).toBeCloseTo(0.02, 12);
    // exp(ln 1.2 ± 1.959964 · √(1/100 − 1/1000 + 1/120 − 1/1000)) − 1, by hand
    expect(b!.lift!.ci95.low).toBeCloseTo(-0.06589424893700613, 9);
    expect(b!.lift!.ci95.high).toBeCloseTo(0.5415813448973079, 9);
  });

  it('has an interval around the estimate that narrows about 10× when samples grow 100×', () => {
    const small = experimentStats([v('control', 1000, 100), v('b', 1000, 120)], 'control').variants[1]!.lift!;
    const large = experimentStats([v('control', 100_000, 10_000), v('b', 100_000, 12_000)], 'control').variants[1]!.lift!;
    for (const lift of [small, large]) {
      expect(lift.ci95.low).toBeLessThan(lift.relative);
      expect(lift.ci95.high).toBeGreaterThan(lift.relative);
    }
    const ratio = (small.ci95.high - small.ci95.low) / (large.ci95.high - large.ci95.low);
    expect(ratio).toBeGreaterThan(8);
    expect(ratio).toBeLessThan(12);
  });

  it('stays finite and above −1 when the variant has no conversions', () => {
    const lift = experimentStats([v('control', 100, 10), v('b', 100, 0)], 'control').variants[1]!.lift!;
    expect(lift.relative).toBe(-1);
    expect(lift.absolute).toBeCloseTo(-0.1, 12);
    expect(lift.ci95.low).toBeGreaterThan(-1);
    expect(lift.ci95.high).toBeLessThan(0);
    expect(Number.isFinite(lift.ci95.high)).toBe(true);
  });

  it('is null when the control converts nothing or a side has no impressions', () => {
    const zeroControl = experimentStats([v('control', 100, 0), v('b', 100, 5)], 'control').variants[1]!;
    expect(zeroControl.lift).toBeNull();
    expect(zeroControl.chance_to_beat_control).toBeGreaterThan(0.9);
    const empty = experimentStats([v('control', 100, 5), v('b', 0, 0)], 'control').variants[1]!;
    expect(empty).toMatchObject({ conversion_rate: null, lift: null, chance_to_beat_control: null });
    const emptyControl = experimentStats([v('control', 0, 0), v('b', 100, 5)], 'control').variants[1]!;
    expect(emptyControl).toMatchObject({ conversion_rate: 0.05, lift: null, chance_to_beat_control: null });
  });
});

describe('chance to beat control', () => {
  it('is 0.5 for identical counts, exact and approximated', () => {
    expect(chanceOf([100, 10], [100, 10])).toBeCloseTo(0.5, 12);
    expect(chanceOf([10, 0], [10, 0])).toBeCloseTo(0.5, 12);
    expect(chanceOf([1_000_000, 50_000], [1_000_000, 50_000])).toBeCloseTo(0.5, 12);
    expect(experimentStats([v('control', 10, 1)], 'control').variants[0]!.chance_to_beat_control).toBeNull();
  });

  // Each pair makes a different parameter the smallest, so every branch of the symmetric sum is checked.
  it.each([
    { name: 'a_B smallest', control: [20, 10], variant: [20, 2] },
    { name: 'a_A smallest', control: [20, 2], variant: [20, 10] },
    { name: 'b_A smallest', control: [20, 18], variant: [20, 10] },
    { name: 'b_B smallest', control: [20, 10], variant: [20, 18] },
    { name: 'tiny', control: [3, 1], variant: [5, 4] },
    { name: 'zero conversions', control: [5, 0], variant: [5, 2] },
    { name: 'all converted', control: [7, 7], variant: [9, 8] },
    { name: 'close rates', control: [1000, 100], variant: [1000, 120] },
    { name: 'unequal sizes', control: [5000, 400], variant: [800, 70] },
  ] as Array<{ name: string; control: [number, number]; variant: [number, number] }>)('matches numerical integration: $name', ({ control, variant }) => {
    const exact = chanceOf(control, variant)!;
    expect(Math.abs(exact - integratedChance(control, variant))).toBeLessThan(1e-8);
  });

  it('is complementary when control and variant swap', () => {
    expect(chanceOf([20, 3], [30, 9])! + chanceOf([30, 9], [20, 3])!).toBeCloseTo(1, 12);
  });

  it(`falls back to the normal approximation past ${exactTermsLimit} terms, still matching integration`, () => {
    const control: [number, number] = [100_000, 20_000];
    const variant: [number, number] = [100_000, 20_300];
    const chance = chanceOf(control, variant)!;
    expect(Math.abs(chance - integratedChance(control, variant))).toBeLessThan(1e-5);
    expect(chance).toBeGreaterThan(0.95);
    expect(chance).toBeLessThan(0.96);
  });
});

describe('input checks', () => {
  it.each([
    { name: 'unknown control', variants: [v('a', 1, 0)], control: 'zzz', message: /control variant "zzz" is not among/ },
    { name: 'negative impressions', variants: [v('a', -1, 0)], control: 'a', message: /impressions must be a non-negative integer/ },
    { name: 'fractional conversions', variants: [v('a', 10, 1.5)], control: 'a', message: /conversions must be a non-negative integer/ },
    { name: 'NaN impressions', variants: [v('a', Number.NaN, 0)], control: 'a', message: /impressions must be a non-negative integer/ },
    { name: 'conversions above impressions', variants: [v('a', 10, 11)], control: 'a', message: /11 conversions exceed 10 impressions/ },
    { name: 'negative weight', variants: [v('a', 10, 1, -1)], control: 'a', message: /weight must be a non-negative number/ },
    { name: 'duplicate key', variants: [v('a', 10, 1), v('a', 10, 1)], control: 'a', message: /appears more than once/ },
  ])('throws on $name', ({ variants, control, message }) => {
    expect(() => experimentStats(variants, control)).toThrow(message);
  });

  it('reports the control and the method', () => {
    const stats = experimentStats([v('a', 10, 1), v('b', 10, 2)], 'a');
    expect(stats.control).toBe('a');
    expect(stats.method).toMatch(/^bayesian: .*Beta\(1,1\)/);
    expect(stats.variants.map((variant) => variant.key)).toEqual(['a', 'b']);
  });
});

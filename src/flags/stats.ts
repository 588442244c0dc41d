import betaln from '@stdlib/math-base-special-betaln';
import gammainc from '@stdlib/math-base-special-gammainc';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * A/B results of a feature flag's variants, from counts alone (pure: no I/O). The headline number is Bayesian,
 * the chance that a variant's conversion rate beats the control's under uniform Beta(1,1) priors, because teams
 * peek at running experiments: a posterior probability means the same thing at every look, where a fixed-horizon
 * p-value checked daily stops early on noise far more often than its nominal 5%.
 */

export interface VariantCounts {
  key: string;
  impressions: number;
  conversions: number;
  /** the variant's configured weight, for the sample-ratio check */
  weight: number;
}

export interface VariantResult {
  key: string;
  impressions: number;
  conversions: number;
  /** conversions / impressions; null when impressions are 0 */
  conversion_rate: number | null;
  /**
   * Against control: relative = rate / controlRate − 1, absolute = rate − controlRate. ci95 is the 95% interval of
   * the RELATIVE lift, by the delta method on the log of the rate ratio (Katz): exp(ln(ratio) ± 1.96·se) − 1, so it
   * is asymmetric and never below −1; with a zero conversion count on either side 0.5 is added to each cell of the
   * 2×2 table for the interval only. Null for the control itself, when either side has no impressions, or when the
   * control's rate is 0 (a relative lift over nothing is undefined).
   */
  lift: { relative: number; absolute: number; ci95: { low: number; high: number } } | null;
  /**
   * P(p_variant > p_control) with Beta(1,1) priors: exact (Evan Miller's closed-form sum), or a normal approximation
   * of the two posteriors when the exact sum would take more than {@link exactTermsLimit} terms. Null for the control
   * itself or when either side has no impressions (it would only restate the prior).
   */
  chance_to_beat_control: number | null;
}

export interface ExperimentStats {
  control: string;
  /** one sentence on how the numbers were reached */
  method: string;
  variants: VariantResult[];
  /**
   * Sample-ratio mismatch: chi-square goodness-of-fit of impressions against the configured weights, over variants
   * with weight > 0 (impressions on weight-0 variants are left out). `expected` is impressions per variant key.
   * Null when fewer than 2 variants have weight > 0 or they have no impressions.
   */
  srm: { chi_square: number; degrees_of_freedom: number; p_value: number; mismatch: boolean; expected: Record<string, number> } | null;
}

/** SRM p-values below this flag a mismatch: strict, because the test runs at every peek and a true SRM is blatant. */
export const srmThreshold = 0.001;

/**
 * The exact chance-to-beat sum takes min(a_A, b_A, a_B, b_B) terms (by symmetry); beyond this many both posteriors
 * have every parameter above 10 000, where they are normal to well within the accuracy anyone reads off a dashboard.
 */
export const exactTermsLimit = 10_000;

const z95 = normalQuantile(0.975, 0, 1);

/** Evan Miller's sum: P(X2 > X1) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), a2 integer; a2 terms. */
function betaExceeds(a1: number, b1: number, a2: number, b2: number): number {
  const norm = betaln(a1, b1);
  let total = 0;
  for (let i = 0; i < a2; i++) total += Math.exp(betaln(a1 + i, b1 + b2) - Math.log(b2 + i) - betaln(1 + i, b2) - norm);
  return total;
}

/** P(p_B > p_A) for p_A ~ Beta(aA, bA), p_B ~ Beta(aB, bB), all parameters positive integers. */
function chanceToBeat(aA: number, bA: number, aB: number, bB: number): number {
  const shortest = Math.min(aA, bA, aB, bB);
  let p: number;
  if (shortest > exactTermsLimit) {
    const moments = (a: number, b: number) => [a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1))] as const;
    const [meanA, varA] = moments(aA, bA);
    const [meanB, varB] = moments(aB, bB);
    p = normalCdf(meanB - meanA, 0, Math.sqrt(varA + varB));
  } else if (shortest === aB) p = betaExceeds(aA, bA, aB, bB);
  else if (shortest === aA) p = 1 - betaExceeds(aB, bB, aA, bA);
  // 1 − p is Beta(b, a): P(p_B > p_A) = P(1 − p_A > 1 − p_B).
  else if (shortest === bA) p = betaExceeds(bB, aB, bA, aA);
  else p = 1 - betaExceeds(bA, aA, bB, aB);
  return Math.min(1, Math.max(0, p));
}

function relativeLift(control: VariantCounts, variant: VariantCounts): VariantResult['lift'] {
  if (control.impressions === 0 || variant.impressions === 0 || control.conversions === 0) return null;
  const controlRate = control.conversions / control.impressions;
  const rate = variant.conversions / variant.impressions;
  const zeroCell = variant.conversions === 0;
  const [xA, nA, xB, nB] = zeroCell
    ? [control.conversions + 0.5, control.impressions + 1, variant.conversions + 0.5, variant.impressions + 1]
    : [control.conversions, control.impressions, variant.conversions, variant.impressions];
  const logRatio = Math.log(xB / nB / (xA / nA));
  const se = Math.sqrt(1 / xA - 1 / nA + 1 / xB - 1 / nB);
  return {
    relative: rate / controlRate - 1,
    absolute: rate - controlRate,
    ci95: { low: Math.exp(logRatio - z95 * se) - 1, high: Math.exp(logRatio + z95 * se) - 1 },
  };
}

function sampleRatio(variants: VariantCounts[]): ExperimentStats['srm'] {
  const weighted = variants.filter((variant) => variant.weight > 0);
  const total = weighted.reduce((sum, variant) => sum + variant.impressions, 0);
  if (weighted.length < 2 || total === 0) return null;
  const weights = weighted.reduce((sum, variant) => sum + variant.weight, 0);
  const expected: Record<string, number> = {};
  let chiSquare = 0;
  for (const variant of weighted) {
    const share = (total * variant.weight) / weights;
    expected[variant.key] = share;
    chiSquare += (variant.impressions - share) ** 2 / share;
  }
  const degrees = weighted.length - 1;
  // The upper regularized incomplete gamma is the chi-square survival function, accurate far below 1 − cdf's 1e-16.
  const pValue = gammainc(chiSquare / 2, degrees / 2, true, true);
  return { chi_square: chiSquare, degrees_of_freedom: degrees, p_value: pValue, mismatch: pValue < srmThreshold, expected };
}

function validate(variants: VariantCounts[], control: string): VariantCounts {
  const seen = new Set<string>();
  for (const { key, impressions, conversions, weight } of variants) {
    if (seen.has(key)) throw new Error(`variant "${key}" appears more than once`);
    seen.add(key);
    for (const [name, value] of [['impressions', impressions], ['conversions', conversions]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`variant "${key}": ${name} must be a non-negative integer, got ${value}`);
    }
    if (conversions > impressions) throw new Error(`variant "${key}": ${conversions} conversions exceed ${impressions} impressions`);
    if (!Number.isFinite(weight) || weight < 0) throw new Error(`variant "${key}": weight must be a non-negative number, got ${weight}`);
  }
  const found = variants.find((variant) => variant.key === control);
  if (!found) throw new Error(`control variant "${control}" is not among the variants (${[...seen].join(', ') || 'none'})`);
  return found;
}

/**
 * Conversion rates, lift against `control` and chance to beat it for each variant, plus a sample-ratio-mismatch
 * check of impressions against the configured weights. Throws on an unknown control, a duplicate key, counts that
 * are not non-negative integers, conversions above impressions, or a negative weight.
 */
export function experimentStats(variants: VariantCounts[], control: string): ExperimentStats {
  const base = validate(variants, control);
  return {
    control,
    method:
      'bayesian: chance to beat control with Beta(1,1) priors, valid at any peek unlike a fixed-horizon p-value; lift interval: 95% delta method on the log rate ratio; SRM: chi-square goodness-of-fit against the weights',
    variants: variants.map((variant) => {
      const isControl = variant.key === control;
      const comparable = !isControl && variant.impressions > 0 && base.impressions > 0;
      return {
        key: variant.key,
        impressions: variant.impressions,
        conversions: variant.conversions,
        conversion_rate: variant.impressions > 0 ? variant.conversions / variant.impressions : null,
        lift: comparable ? relativeLift(base, variant) : null,
        chance_to_beat_control: comparable
          ? chanceToBeat(base.conversions + 1, base.impressions - base.conversions + 1, variant.conversions + 1, variant.impressions - variant.conversions + 1)
          : null,
      };
    }),
    srm: sampleRatio(variants),
  };
}

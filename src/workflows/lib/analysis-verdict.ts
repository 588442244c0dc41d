import type { Measurement, Metric, Verdict } from '../../analysis/types.ts';

// Folding measurements into verdicts, as Argo Rollouts does. Pure and deterministic: it runs in workflow code.

/** The limits of a metric the verdict reads. */
export type MetricLimits = Pick<Metric, 'count' | 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit'>;

/** The measurements of one metric, counted by phase. */
export interface MeasurementTally {
  /** Measurements taken, errors included. */
  taken: number;
  /** Measurements whose conditions held for success. */
  successful: number;
  /** Measurements whose conditions said failed. */
  failed: number;
  /** Measurements with no data, or where neither condition held. */
  inconclusive: number;
  /** The longest run of errors in a row (while measuring goes on, the current run is the longest). */
  consecutiveErrors: number;
}

/** Counts measurements by phase. */
export function tallyMeasurements(measurements: readonly Pick<Measurement, 'phase'>[]): MeasurementTally {
  const tally: MeasurementTally = { taken: 0, successful: 0, failed: 0, inconclusive: 0, consecutiveErrors: 0 };
  let errorRun = 0;
  for (const { phase } of measurements) {
    tally.taken += 1;
    errorRun = phase === 'error' ? errorRun + 1 : 0;
    tally.consecutiveErrors = Math.max(tally.consecutiveErrors, errorRun);
    if (phase === 'successful') tally.successful += 1;
    else if (phase === 'failed') tally.failed += 1;
    else if (phase === 'inconclusive') tally.inconclusive += 1;
  }
  return tally;
}

/**
 * One metric's verdict: failed past failureLimit failed measurements or consecutiveErrorLimit errors in a
 * row; inconclusive past inconclusiveLimit inconclusive ones; successful once `count` measurements were
 * taken without tripping a limit; running until then.
 *
 * One refinement over Argo: when all `count` measurements were taken but none of them was successful or
 * failed (every one an error or no data, within their limits), the verdict is inconclusive, not successful.
 * A canary nobody could measure has not passed.
 */
export function metricVerdict(metric: MetricLimits, measurements: readonly Pick<Measurement, 'phase'>[]): Verdict {
  const tally = tallyMeasurements(measurements);
  if (tally.failed > metric.failureLimit) return 'failed';
  if (tally.consecutiveErrors > metric.consecutiveErrorLimit) return 'failed';
  if (tally.inconclusive > metric.inconclusiveLimit) return 'inconclusive';
  if (tally.taken < metric.count) return 'running';
  return tally.successful + tally.failed === 0 ? 'inconclusive' : 'successful';
}

/** An analysis' verdict from its metrics': any failed fails it, then any inconclusive, then any running. */
export function analysisVerdict(perMetric: readonly Verdict[]): Verdict {
  if (perMetric.includes('failed')) return 'failed';
  if (perMetric.includes('inconclusive')) return 'inconclusive';
  if (perMetric.includes('running')) return 'running';
  return 'successful';
}

/** True when a metric needs no more measurements: it failed or is inconclusive early, or it is done. */
export function shouldStop(verdict: Verdict): boolean {
  return verdict !== 'running';
}

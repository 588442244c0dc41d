/** One health check of the new colour in the monitor window. */
export interface HealthSample {
  /** The stable endpoint answered 2xx. */
  httpOk: boolean;
  /** Ready pods of the new colour. */
  readyPods: number;
  /** Pods it should have. */
  desiredPods: number;
  /** Container restarts of the new colour so far. */
  restarts: number;
  reason?: string;
  /** The Prometheus check, when the service has one. */
  metric?: { value: number | null; threshold: number; failWhen: 'above' | 'below'; reason?: string };
}

export interface MonitorTally {
  consecutiveFailures: number;
  checks: number;
  failures: number;
  /** Restarts seen at the first sample; later growth counts as failure. */
  baselineRestarts?: number;
  lastReason?: string;
}

/** Why a sample is unhealthy, or undefined when it is healthy. */
export function judgeSample(sample: HealthSample, baselineRestarts: number): string | undefined {
  if (!sample.httpOk) return sample.reason ?? 'stable endpoint unhealthy';
  if (sample.readyPods < sample.desiredPods) return `${sample.readyPods} of ${sample.desiredPods} pods ready`;
  if (sample.restarts > baselineRestarts) return `${sample.restarts - baselineRestarts} container restarts`;
  const metric = sample.metric;
  if (metric) {
    // No data is a failed check too: a release must not look healthy because its metrics vanished.
    if (metric.value === null) return metric.reason ?? 'prometheus: no data';
    const past = metric.failWhen === 'above' ? metric.value > metric.threshold : metric.value < metric.threshold;
    if (past) return `metric ${metric.value} is ${metric.failWhen} the threshold ${metric.threshold}`;
  }
  return undefined;
}

/** Folds one sample into the tally; `rollback` once consecutive failures reach the threshold. */
export function recordSample(
  tally: MonitorTally,
  sample: HealthSample,
  failureThreshold: number,
): { tally: MonitorTally; rollback: boolean } {
  const baselineRestarts = tally.baselineRestarts ?? sample.restarts;
  const reason = judgeSample(sample, baselineRestarts);
  const next: MonitorTally = {
    checks: tally.checks + 1,
    failures: tally.failures + (reason ? 1 : 0),
    consecutiveFailures: reason ? tally.consecutiveFailures + 1 : 0,
    baselineRestarts,
    lastReason: reason ?? tally.lastReason,
  };
  return { tally: next, rollback: next.consecutiveFailures >= failureThreshold };
}

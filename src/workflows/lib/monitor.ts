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

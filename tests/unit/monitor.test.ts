// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { recordSample, type HealthSample, type MonitorTally } from '../../src/workflows/lib/monitor.ts';

const healthy: HealthSample = { httpOk: true, readyPods: 2, desiredPods: 2, restarts: 0 };
const empty: MonitorTally = { checks: 0, failures: 0, consecutiveFailures: 0 };

function run(samples: HealthSample[], threshold = 3) {
  let tally = empty;
  const verdicts: boolean[] = [];
  for (const sample of samples) {
    const next = recordSample(tally, sample, threshold);
    tally = next.tally;
    verdicts.push(next.rollback);
  }
  return { tally, verdicts };
}

describe('the monitor verdict', () => {
  it('rolls back after N consecutive failures, not N scattered ones', () => {
    const down = { ...healthy, httpOk: false, reason: 'status 500' };
    expect(run([down, down, healthy, down, down]).verdicts).toEqual([false, false, false, false, false]);
    const { tally, verdicts } = run([healthy, down, down, down]);
    expect(verdicts).toEqual([false, false, false, true]);
    expect(tally).toMatchObject({ checks: 4, failures: 3, consecutiveFailures: 3, lastReason: 'status 500' });
  });

  it('counts missing ready pods and new restarts as failures', () => {
    const { verdicts, tally } = run(
      [{ ...healthy, restarts: 4 }, { ...healthy, restarts: 5 }, { ...healthy, readyPods: 1, restarts: 4 }],
      2,
    );
    // Restarts before the window are the baseline; one more is a failure, then a missing pod is another.
    expect(verdicts).toEqual([false, false, true]);
    expect(tally.lastReason).toBe('1 of 2 pods ready');
  });
});

describe('the Prometheus check in the monitor', () => {
  const metric = (value: number | null, failWhen: 'above' | 'below' = 'above') => ({ ...healthy, metric: { value, threshold: 0.05, failWhen } });

  it('fails a sample whose metric is past the threshold, in either direction', () => {
    expect(recordSample(empty, metric(0.01), 3).tally.failures).toBe(0);
    expect(recordSample(empty, metric(0.2), 3).tally.lastReason).toBe('metric 0.2 is above the threshold 0.05');
    expect(recordSample(empty, metric(0.01, 'below'), 3).tally.lastReason).toBe('metric 0.01 is below the threshold 0.05');
  });

  it('treats no data as a failed check, not a healthy one', () => {
    expect(recordSample(empty, metric(null), 3).tally.lastReason).toBe('prometheus: no data');
  });
});

// needs: nothing (pure logic)
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { opsRunOutcome } from '../../src/workflows/lib/ops-run-outcome.ts';

const fromActivity = (cause: Error) =>
  new ActivityFailure('activity failed', 'runOpsWorkload', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);

describe('opsRunOutcome', () => {
  it('reads the exit code of a workload that exited non-zero', () => {
    const cause = ApplicationFailure.create({ type: 'NonZeroExit', message: 'attempt 2 exited with code 5', details: [{ exitCode: 5 }] });
    expect(opsRunOutcome(fromActivity(cause))).toEqual({ status: 'failed', exitCode: 5, error: 'attempt 2 exited with code 5' });
  });

  it('tells our per-attempt timeout apart', () => {
    const cause = ApplicationFailure.create({ type: 'WorkloadTimedOut', message: 'too slow', details: [{ exitCode: 143 }] });
    expect(opsRunOutcome(fromActivity(cause))).toEqual({ status: 'timed_out', exitCode: 143, error: 'too slow' });
  });

  it("reads Temporal's own timeout (heartbeats stopped) as timed out without an exit code", () => {
    const cause = new TimeoutFailure('heartbeat', undefined, TimeoutType.HEARTBEAT);
    expect(opsRunOutcome(fromActivity(cause))).toMatchObject({ status: 'timed_out', exitCode: null });
  });

  it('records a cancellation as cancelled', () => {
    expect(opsRunOutcome(fromActivity(new CancelledFailure('cancelled')))).toMatchObject({ status: 'cancelled' });
    expect(opsRunOutcome(new CancelledFailure('cancelled'))).toMatchObject({ status: 'cancelled' });
  });

  it('keeps the message of anything else', () => {
    const cause = ApplicationFailure.create({ type: 'WorkloadInvalid', message: 'no DATABASE_URL', nonRetryable: true });
    expect(opsRunOutcome(fromActivity(cause))).toEqual({ status: 'failed', exitCode: null, error: 'no DATABASE_URL' });
  });
});

import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';

/** How a run ended, as recorded in its row. */
export interface OpsRunOutcome {
  status: 'failed' | 'timed_out' | 'cancelled';
  /** The last attempt's exit code, when it got that far. */
  exitCode: number | null;
  /** Why, in one line. */
  error: string;
}

/**
 * Reads the workload activity's final failure (after Temporal's retries): a non-zero exit code, a timeout
 * (ours per attempt, or Temporal's when heartbeats stopped), a cancellation (cancel-other, or from the
 * Web UI) or anything else.
 */
export function opsRunOutcome(error: unknown): OpsRunOutcome {
  if (isCancellation(error)) return { status: 'cancelled', exitCode: null, error: 'the run was cancelled' };
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { exitCode?: unknown } | undefined;
    const exitCode = typeof details?.exitCode === 'number' ? details.exitCode : null;
    const status = cause.type === 'WorkloadTimedOut' ? 'timed_out' : 'failed';
    return { status, exitCode, error: cause.message };
  }
  if (cause instanceof TimeoutFailure) {
    return { status: 'timed_out', exitCode: null, error: `the attempt timed out (${cause.timeoutType ?? 'unknown'} timeout)` };
  }
  return { status: 'failed', exitCode: null, error: cause instanceof Error ? cause.message : String(cause) };
}

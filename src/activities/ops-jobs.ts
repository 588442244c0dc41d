import { ApplicationFailure, Context } from '@temporalio/activity';
import { checkWorkload, workloadTargetKind } from '../bindings/check.ts';
import { enforce, requireBinding } from '../bindings/enforce.ts';
import type { BindingLookup, ResolvedBinding } from '../bindings/policy.ts';
import type { Database } from '../db/client.ts';
import { findOpsJob, markScheduleStateStale, markScheduleStateStaleForRun } from '../db/repositories/ops-jobs.ts';
import { beginRun, finishRun, markRunAttempt } from '../db/repositories/ops-job-runs.ts';
import type { OpsRunStatus, StoredRetryPolicy } from '../db/schema/index.ts';
import type { Logger } from '../logger.ts';
import { workloadSchema, type Workload } from '../ops/definition.ts';
import { LogSink } from '../ops/log-sink.ts';
import { createWorkloadRegistry, runWorkload, WorkloadError, type OpsWorkerOptions } from '../ops/workloads/index.ts';

/** What a run needs, read from the job when the run begins (so a changed job applies to the next run). */
export interface OpsRunPlan {
  runId: string;
  jobName: string;
  /** The job's environment: its binding says what the workload may touch. */
  environment: string;
  workload: Workload;
  /** Per attempt. */
  timeoutMs: number;
  retry: StoredRetryPolicy;
}

export interface RunWorkloadInput {
  workspaceId: string;
  environment: string;
  runId: string;
  jobName: string;
  workload: Workload;
  timeoutMs: number;
}

/** Failure types the workflow reads back (see src/workflows/lib/ops-run-outcome.ts). */
export const workloadFailureTypes = {
  nonZeroExit: 'NonZeroExit',
  timedOut: 'WorkloadTimedOut',
  /** Cannot run (bad definition, missing tool or setting): not retried. */
  invalid: 'WorkloadInvalid',
  /** Could not run this time (an API the workload needs failed): retried per the job's policy. */
  unavailable: 'WorkloadUnavailable',
} as const;

/** Activities of operations jobs: the run record in Postgres and the workload itself. */
export function createOpsJobActivities(deps: { db: Database; logger: Logger; bindings: BindingLookup; ops?: OpsWorkerOptions }) {
  const registry = createWorkloadRegistry(deps);
  return {
    /** Marks the run of this workflow as running (creating it for scheduled runs); null when the job is gone. */
    async beginOpsJobRun(input: { workspaceId: string; jobId: string; workflowId: string }): Promise<OpsRunPlan | null> {
      const job = await findOpsJob(deps.db, input.workspaceId, input.jobId);
      if (!job) return null;
      const parsed = workloadSchema.safeParse(job.workload);
      const run = await beginRun(deps.db, input);
      // The Schedule's next run time moved on: the job list's cached state is read again in the background.
      await markScheduleStateStale(deps.db, input.workspaceId, input.jobId);
      if (!parsed.success) {
        await finishRun(deps.db, input.workspaceId, run.id, { status: 'failed', error: 'the stored workload is not valid' });
        throw ApplicationFailure.create({
          type: workloadFailureTypes.invalid,
          message: parsed.error.message,
          nonRetryable: true,
        });
      }
      return { runId: run.id, jobName: job.name, environment: job.environment, workload: parsed.data, timeoutMs: job.timeoutMs, retry: job.retry };
    },

    /**
     * One attempt of the workload: streams its output lines into Postgres as they come, heartbeats, and
     * fails (retryably, per the job's policy) on a non-zero exit code or when the attempt's time is up.
     */
    async runOpsWorkload(input: RunWorkloadInput): Promise<{ exitCode: number }> {
      const context = Context.current();
      const attempt = context.info.attempt;
      await markRunAttempt(deps.db, input.workspaceId, input.runId, attempt);
      const sink = new LogSink(deps.db, { workspaceId: input.workspaceId, runId: input.runId, attempt }, deps.logger);
      // Checked again here: the job was checked when it was saved, but its binding may have narrowed since.
      let binding: ResolvedBinding;
      try {
        binding = await requireBinding(deps.bindings, input, workloadTargetKind(input.workload));
        enforce(checkWorkload(input.workload, binding));
      } catch (error) {
        sink.push('stderr', error instanceof Error ? error.message : String(error));
        await sink.close();
        throw error;
      }
      const timeout = AbortSignal.timeout(input.timeoutMs);
      const signal = AbortSignal.any([context.cancellationSignal, timeout]);
      // Heartbeats carry cancellation to the activity; keep them going even while a runner waits quietly.
      const beat = setInterval(() => context.heartbeat({ lines: sink.count }), 1000);
      try {
        const result = await runWorkload(registry, input.workload, {
          workspaceId: input.workspaceId,
          environment: input.environment,
          runId: input.runId,
          jobName: input.jobName,
          attempt,
          onLine: (stream, line) => sink.push(stream, line),
          signal,
          heartbeat: () => context.heartbeat({ lines: sink.count }),
          binding,
        });
        await sink.close();
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        if (timeout.aborted) {
          throw ApplicationFailure.create({
            type: workloadFailureTypes.timedOut,
            message: `attempt ${attempt} did not finish within ${input.timeoutMs} ms`,
            details: [{ exitCode: result.exitCode }],
          });
        }
        if (result.exitCode !== 0) {
          throw ApplicationFailure.create({
            type: workloadFailureTypes.nonZeroExit,
            message: `attempt ${attempt} exited with code ${result.exitCode}`,
            details: [{ exitCode: result.exitCode }],
          });
        }
        return result;
      } catch (error) {
        if (error instanceof WorkloadError) {
          sink.push('stderr', error.message);
          await sink.close();
          throw ApplicationFailure.create({
            type: error.retryable ? workloadFailureTypes.unavailable : workloadFailureTypes.invalid,
            message: error.message,
            nonRetryable: !error.retryable,
            cause: error,
          });
        }
        throw error;
      } finally {
        clearInterval(beat);
        await sink.close();
      }
    },

    /** Closes the run record; safe to repeat. */
    async finishOpsJobRun(input: {
      workspaceId: string;
      runId: string;
      status: OpsRunStatus;
      exitCode: number | null;
      error: string | null;
    }): Promise<void> {
      // Before the row closes: whoever sees the run finished must not wait on the workflow any longer than before.
      await markScheduleStateStaleForRun(deps.db, input.workspaceId, input.runId);
      await finishRun(deps.db, input.workspaceId, input.runId, input);
    },
  };
}

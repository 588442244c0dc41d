import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { statusSearchAttribute } from '../temporal/search-attributes.ts';
import { opsRunOutcome } from './lib/ops-run-outcome.ts';

const { beginOpsJobRun, finishOpsJobRun } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '10 seconds' },
});

/** What the job's Schedule passes to every run. */
export interface OpsJobInput {
  workspaceId: string;
  jobId: string;
}

export interface OpsJobResult {
  /** The run's id in Postgres (null when the job was deleted before the run began). */
  runId: string | null;
  exitCode: number | null;
}

/** Extra time Temporal allows an attempt beyond the job's timeout, for the activity to stop it and report. */
const stopGraceMs = 30_000;

/**
 * One run of an operations job, started by the job's Temporal Schedule (cron, trigger or backfill): records the
 * run, runs the workload in an activity that Temporal retries per the job's policy, then records the outcome.
 */
export async function opsJobWorkflow(input: OpsJobInput): Promise<OpsJobResult> {
  const plan = await beginOpsJobRun({ ...input, workflowId: workflowInfo().workflowId });
  if (!plan) return { runId: null, exitCode: null };
  upsertSearchAttributes([{ key: statusSearchAttribute, value: 'running' }]);

  const { runOpsWorkload } = proxyActivities<Activities>({
    startToCloseTimeout: plan.timeoutMs + stopGraceMs,
    // Also how cancellation reaches the activity: it heartbeats every second.
    heartbeatTimeout: '10 seconds',
    // A cancelled run waits until the workload is really stopped before it records "cancelled".
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: plan.retry.maximumAttempts,
      initialInterval: plan.retry.initialIntervalMs,
      backoffCoefficient: plan.retry.backoffCoefficient,
      maximumInterval: Math.max(plan.retry.maximumIntervalMs, plan.retry.initialIntervalMs),
      nonRetryableErrorTypes: ['WorkloadInvalid'],
    },
  });
  const ref = { workspaceId: input.workspaceId, runId: plan.runId };
  try {
    const { exitCode } = await runOpsWorkload({
      ...ref,
      environment: plan.environment,
      jobName: plan.jobName,
      workload: plan.workload,
      timeoutMs: plan.timeoutMs,
    });
    await finishOpsJobRun({ ...ref, status: 'succeeded', exitCode, error: null });
    upsertSearchAttributes([{ key: statusSearchAttribute, value: 'succeeded' }]);
    return { runId: plan.runId, exitCode };
  } catch (error) {
    const outcome = opsRunOutcome(error);
    // Recorded even when the run itself was cancelled.
    await CancellationScope.nonCancellable(() => finishOpsJobRun({ ...ref, ...outcome }));
    upsertSearchAttributes([{ key: statusSearchAttribute, value: outcome.status }]);
    if (outcome.status === 'cancelled') throw error;
    throw ApplicationFailure.create({ type: 'OpsJobFailed', message: outcome.error, nonRetryable: true });
  }
}

import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { lockOpsJob, type OpsJob } from '../db/repositories/ops-jobs.ts';
import {
  finishRun,
  insertPendingRun,
  listActiveRuns,
  type OpsJobRun,
} from '../db/repositories/ops-job-runs.ts';
import { describeJobSchedule, manualNominalTime, opsScheduleId, runWorkflowId, triggerJobSchedule } from './schedules.ts';

/** A pending run older than this whose workflow does not exist was never started (the Schedule skipped it). */
const pendingGraceMs = 60_000;

export type TriggerResult =
  | { started: true; run: OpsJobRun }
  | { started: false; reason: 'not_found' }
  | { started: false; reason: 'locked'; runId: string | undefined };

/**
 * Starts a run now through the job's Schedule, under its overlap policy. Refused (locked) when a run is in
 * progress and the policy would drop this one: "skip" always, "buffer-one" when a run is already queued.
 * The run row is written first with the workflow id Temporal will use, so its id can be returned at once.
 */
export async function triggerJob(
  deps: { db: Database; temporal: Client },
  workspaceId: string,
  jobId: string,
  now = new Date(),
): Promise<TriggerResult> {
  return deps.db.transaction(async (tx) => {
    const job = await lockOpsJob(tx, workspaceId, jobId);
    if (!job) return { started: false, reason: 'not_found' };
    await reconcileRuns(deps, workspaceId, job.id);
    const active = await listActiveRuns(tx, workspaceId, job.id);
    const description = await describeJobSchedule(deps.temporal, job.scheduleId);
    const runningInTemporal = description?.info.runningActions ?? [];
    const running = active.filter((run) => run.status === 'running');
    const queued = active.filter((run) => run.status === 'pending');
    const busy = running.length > 0 || runningInTemporal.length > 0;
    const locked =
      (job.overlapPolicy === 'skip' && (busy || queued.length > 0)) ||
      (job.overlapPolicy === 'buffer-one' && busy && queued.length > 0);
    if (locked) return { started: false, reason: 'locked', runId: (running[0] ?? queued[0])?.id };

    // Two triggers within one second get different nominal times.
    for (let offset = 0; offset < 5; offset++) {
      const nominal = manualNominalTime(now, offset);
      const run = await insertPendingRun(tx, { workspaceId, jobId: job.id, workflowId: runWorkflowId(job.scheduleId, nominal) });
      if (!run) continue;
      await triggerJobSchedule(deps.temporal, job.scheduleId, job.overlapPolicy, nominal);
      return { started: true, run };
    }
    throw new Error(`could not find a free nominal time to trigger ${job.scheduleId}`);
  });
}

/**
 * Closes run rows whose workflow ended without recording an outcome (terminated from the Web UI, say), and
 * pending rows the Schedule never started. Only rows still pending or running are touched.
 */
export async function reconcileRuns(
  deps: { db: Database; temporal: Client },
  workspaceId: string,
  jobId?: string,
): Promise<void> {
  const now = Date.now();
  const buffering = new Map<string, Promise<boolean>>();
  for (const run of await listActiveRuns(deps.db, workspaceId, jobId)) {
    const state = await workflowState(deps.temporal, run.workflowId);
    if (state === 'RUNNING') continue;
    if (state === 'missing') {
      if (run.status === 'pending' && now - run.createdAt.getTime() < pendingGraceMs) continue;
      // Under buffer-one a triggered run may wait for a long one to end before it starts.
      const scheduleId = opsScheduleId(run.workspaceId, run.jobId);
      if (!buffering.has(scheduleId)) buffering.set(scheduleId, hasBufferedStarts(deps.temporal, scheduleId));
      if (run.status === 'pending' && (await buffering.get(scheduleId))) continue;
      const error =
        run.status === 'pending'
          ? 'the Schedule did not start this run (its overlap policy skipped it)'
          : 'its workflow no longer exists';
      await finishRun(deps.db, workspaceId, run.id, { status: 'cancelled', error }, { onlyIfActive: true });
      continue;
    }
    const status = state === 'CANCELLED' ? 'cancelled' : state === 'TIMED_OUT' ? 'timed_out' : 'failed';
    await finishRun(
      deps.db,
      workspaceId,
      run.id,
      { status, error: `its workflow ended (${state.toLowerCase()}) without recording an outcome` },
      { onlyIfActive: true },
    );
  }
}

async function hasBufferedStarts(temporal: Client, scheduleId: string): Promise<boolean> {
  const description = await describeJobSchedule(temporal, scheduleId);
  return String(description?.raw.info?.bufferSize ?? 0) !== '0';
}

async function workflowState(temporal: Client, workflowId: string): Promise<string> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'missing';
    throw error;
  }
}

/** A job's state for the API: Temporal's next run time and the runs in progress. */
export interface JobState {
  /** Next time the Schedule starts a run (null when paused or when the Schedule is missing). */
  nextRun: Date | null;
  /** False when the job's Schedule does not exist in Temporal. */
  scheduleFound: boolean;
  /** Whether Temporal says the Schedule is paused. */
  paused: boolean;
  /** When this was read from Temporal (null: not yet, or stale since a run began or ended). */
  stateAt?: Date | null;
}

export async function jobState(temporal: Client, job: OpsJob): Promise<JobState> {
  const description = await describeJobSchedule(temporal, job.scheduleId);
  const stateAt = new Date();
  if (!description) return { nextRun: null, scheduleFound: false, paused: job.paused, stateAt };
  const paused = description.state.paused;
  return { nextRun: paused ? null : (description.info.nextActionTimes[0] ?? null), scheduleFound: true, paused, stateAt };
}

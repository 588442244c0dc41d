import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import {
  deleteOpsJob,
  insertOpsJob,
  lockOpsJob,
  updateOpsJob,
  type OpsJob,
  type OpsJobChanges,
} from '../db/repositories/ops-jobs.ts';
import { listActiveRuns } from '../db/repositories/ops-job-runs.ts';
import type { Logger } from '../logger.ts';
import { mergePolicy, type PolicyInput, type Workload } from './definition.ts';
import {
  createJobSchedule,
  deleteJobSchedule,
  describeJobSchedule,
  opsScheduleId,
  setSchedulePaused,
  updateJobSchedule,
  type ScheduleContext,
} from './schedules.ts';

/** What the job service needs; the API hands in its own. */
export interface OpsDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}

/** Temporal refused the schedule (its own check of the cron expression or time zone). */
export class InvalidScheduleError extends Error {}

export interface NewJobRequest {
  workspaceId: string;
  workspaceName: string;
  createdBy: string;
  /** The environment whose binding the workload is checked against. */
  environment: string;
  name: string;
  description: string;
  cron: string;
  timeZone: string | null;
  policy?: Partial<PolicyInput>;
  paused: boolean;
  workload: Workload;
}

const context = (deps: OpsDeps, workspaceName: string): ScheduleContext => ({
  temporal: deps.temporal,
  taskQueue: deps.taskQueue,
  workspaceName,
});

/**
 * Writes the job and creates its Schedule in one database transaction: when Temporal refuses the Schedule
 * the row is rolled back, and when the commit fails after all, the Schedule is deleted again.
 * Undefined when the workspace already has a job of that name.
 */
export async function createJob(deps: OpsDeps, request: NewJobRequest): Promise<OpsJob | undefined> {
  const id = randomUUID();
  const scheduleId = opsScheduleId(request.workspaceId, id);
  let scheduleCreated = false;
  try {
    return await deps.db.transaction(async (tx) => {
      const row = await insertOpsJob(tx, {
        id,
        scheduleId,
        workspaceId: request.workspaceId,
        environment: request.environment,
        name: request.name,
        description: request.description,
        cron: request.cron,
        timeZone: request.timeZone,
        paused: request.paused,
        workload: request.workload,
        createdBy: request.createdBy,
        ...mergePolicy(request.policy),
      });
      if (!row) return undefined;
      await withScheduleErrors(() => createJobSchedule(row, context(deps, request.workspaceName)));
      scheduleCreated = true;
      return row;
    });
  } catch (error) {
    if (scheduleCreated) {
      await deleteJobSchedule(deps.temporal, scheduleId).catch((cleanupError: unknown) =>
        deps.logger.error({ err: cleanupError, scheduleId }, 'could not delete the schedule of a job that was not saved'),
      );
    }
    throw error;
  }
}

export interface JobPatch {
  description?: string;
  cron?: string;
  timeZone?: string | null;
  policy?: Partial<PolicyInput>;
  paused?: boolean;
}

/**
 * Changes the row and the Schedule together (the row stays locked meanwhile); a Schedule that has gone
 * missing is created again. Undefined when the job does not exist in this workspace.
 */
export async function updateJob(
  deps: OpsDeps,
  target: { workspaceId: string; workspaceName: string; jobId: string },
  patch: JobPatch,
): Promise<OpsJob | undefined> {
  return deps.db.transaction(async (tx) => {
    const current = await lockOpsJob(tx, target.workspaceId, target.jobId);
    if (!current) return undefined;
    const changes: OpsJobChanges = {
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.cron === undefined ? {} : { cron: patch.cron }),
      ...(patch.timeZone === undefined ? {} : { timeZone: patch.timeZone }),
      ...(patch.paused === undefined ? {} : { paused: patch.paused }),
      ...(patch.policy === undefined ? {} : mergePolicy(patch.policy, current)),
    };
    const row = await updateOpsJob(tx, target.workspaceId, target.jobId, changes);
    if (!row) return undefined;
    await withScheduleErrors(() => syncSchedule(deps, row, target.workspaceName));
    return row;
  });
}

/** Pauses or resumes the job's Schedule and records it; undefined when there is no such job. */
export async function setJobPaused(
  deps: OpsDeps,
  target: { workspaceId: string; workspaceName: string; jobId: string },
  paused: boolean,
  by: string,
): Promise<OpsJob | undefined> {
  return deps.db.transaction(async (tx) => {
    const current = await lockOpsJob(tx, target.workspaceId, target.jobId);
    if (!current) return undefined;
    const row = (await updateOpsJob(tx, target.workspaceId, target.jobId, { paused })) ?? current;
    const note = `${paused ? 'paused' : 'unpaused'} by ${by}`;
    try {
      await setSchedulePaused(deps.temporal, row.scheduleId, paused, note);
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await createJobSchedule(row, context(deps, target.workspaceName));
    }
    return row;
  });
}

/**
 * Deletes the row (with its runs and logs) and the Schedule together; runs still going are cancelled first.
 * False when there is no such job.
 */
export async function deleteJob(deps: OpsDeps, workspaceId: string, jobId: string): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const current = await lockOpsJob(tx, workspaceId, jobId);
    if (!current) return false;
    // Temporal does not track allow-all runs as running actions, so the recorded runs count too.
    const description = await describeJobSchedule(deps.temporal, current.scheduleId);
    const workflowIds = new Set([
      ...(description?.info.runningActions ?? []).map((action) => action.workflow.workflowId),
      ...(await listActiveRuns(tx, workspaceId, jobId)).map((run) => run.workflowId),
    ]);
    for (const workflowId of workflowIds) {
      await deps.temporal.workflow
        .getHandle(workflowId)
        .cancel()
        .catch((error: unknown) => {
          if (!(error instanceof WorkflowNotFoundError)) deps.logger.warn({ err: error, workflowId }, 'could not cancel a run');
        });
    }
    await deleteOpsJob(tx, workspaceId, jobId);
    await deleteJobSchedule(deps.temporal, current.scheduleId);
    return true;
  });
}

async function syncSchedule(deps: OpsDeps, row: OpsJob, workspaceName: string): Promise<void> {
  try {
    await updateJobSchedule(row, context(deps, workspaceName));
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    await createJobSchedule(row, context(deps, workspaceName));
  }
}

/** The SDK reports a spec Temporal refuses as a TypeError with the server's reason. */
async function withScheduleErrors(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof TypeError) throw new InvalidScheduleError(error.message, { cause: error });
    throw error;
  }
}

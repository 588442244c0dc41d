import type { z } from '@hono/zod-openapi';
import { listActiveRuns, listLastFinishedRuns } from '../../db/repositories/ops-job-runs.ts';
import { findOpsJob, listOpsJobs, type OpsJob } from '../../db/repositories/ops-jobs.ts';
import type { InvalidScheduleError, OpsDeps } from '../../ops/jobs.ts';
import { reconcileRuns } from '../../ops/runs.ts';
import { cachedJobState, readScheduleState, type ScheduleStateRefresher } from '../../ops/schedule-state.ts';
import type { ApiDeps, Caller } from '../context.ts';
import { assertEnvironmentRole } from '../middleware/auth.ts';
import { ApiError } from '../errors.ts';
import type { JobView } from '../serializers/ops-jobs.ts';

// Shared by the /ops/jobs route files.

export const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
export const security = [{ bearer: [] }];

/**
 * 403 unless the caller may operate in the job's environment (a member narrowed to viewer there may not). A job
 * that does not exist passes: the action then answers its own 404.
 */
export async function assertJobEnvironmentRole(deps: ApiDeps, caller: Caller, jobId: string): Promise<void> {
  const job = await findOpsJob(deps.db, caller.workspaceId, jobId);
  if (job) assertEnvironmentRole(caller, job.environment, 'operator');
}

/**
 * One job as the API shows it after acting on it or when asked for it alone: its Schedule described now (and
 * the state cached on the row for the list) and the runs recorded in Postgres.
 */
export async function loadJobViews(deps: ApiDeps, workspaceId: string, jobs: OpsJob[]): Promise<JobView[]> {
  if (jobs.length === 0) return [];
  const jobId = jobs.length === 1 ? jobs[0]?.id : undefined;
  await reconcileRuns(deps, workspaceId, jobId);
  const [finished, active, states] = await Promise.all([
    listLastFinishedRuns(deps.db, workspaceId, jobId),
    listActiveRuns(deps.db, workspaceId, jobId),
    Promise.all(jobs.map((job) => readScheduleState(deps, job))),
  ]);
  return jobs.map((job, index) => ({
    job,
    state: states[index] ?? cachedJobState(job),
    lastRun: finished.find((run) => run.jobId === job.id),
    currentRun: active.find((run) => run.jobId === job.id && run.status === 'running'),
  }));
}

/**
 * The workspace's jobs from Postgres alone: the rows with their cached Schedule state and recorded runs. No
 * Temporal call waits here; stale states (and runs whose workflow ended unrecorded) are refreshed afterwards.
 */
export async function listJobViews(deps: ApiDeps, refresher: ScheduleStateRefresher, workspaceId: string): Promise<JobView[]> {
  const [jobs, finished, active] = await Promise.all([
    listOpsJobs(deps.db, workspaceId),
    listLastFinishedRuns(deps.db, workspaceId),
    listActiveRuns(deps.db, workspaceId),
  ]);
  refresher.kick(workspaceId);
  const last = new Map(finished.map((run) => [run.jobId, run]));
  const current = new Map<string, (typeof active)[number]>();
  for (const run of active) if (run.status === 'running' && !current.has(run.jobId)) current.set(run.jobId, run);
  return jobs.map((job) => ({ job, state: cachedJobState(job), lastRun: last.get(job.id), currentRun: current.get(job.id) }));
}

export function invalidSchedule(error: InvalidScheduleError): ApiError {
  return new ApiError(422, 'validation_failed', 'Temporal refused the schedule', [
    { path: 'json.schedule.cron', message: error.message },
  ]);
}

export function opsDeps(deps: ApiDeps): OpsDeps {
  return { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger };
}


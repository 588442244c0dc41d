import type { z } from '@hono/zod-openapi';
import { listActiveRuns, listLastFinishedRuns } from '../../db/repositories/ops-job-runs.ts';
import type { OpsJob } from '../../db/repositories/ops-jobs.ts';
import type { InvalidScheduleError, OpsDeps } from '../../ops/jobs.ts';
import { jobState, reconcileRuns } from '../../ops/runs.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { JobView } from '../serializers/ops-jobs.ts';

// Shared by the /ops/jobs route files.

export const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
export const security = [{ bearer: [] }];

/** The job as the API shows it: Temporal's view of the Schedule and the runs recorded in Postgres. */
export async function loadJobViews(deps: ApiDeps, workspaceId: string, jobs: OpsJob[]): Promise<JobView[]> {
  if (jobs.length === 0) return [];
  const jobId = jobs.length === 1 ? jobs[0]?.id : undefined;
  await reconcileRuns(deps, workspaceId, jobId);
  const [finished, active, states] = await Promise.all([
    listLastFinishedRuns(deps.db, workspaceId, jobId),
    listActiveRuns(deps.db, workspaceId, jobId),
    Promise.all(jobs.map((job) => jobState(deps.temporal, job))),
  ]);
  return jobs.map((job, index) => ({
    job,
    state: states[index] ?? { nextRun: null, scheduleFound: false, paused: job.paused },
    lastRun: finished.find((run) => run.jobId === job.id),
    currentRun: active.find((run) => run.jobId === job.id && run.status === 'running'),
  }));
}

export function invalidSchedule(error: InvalidScheduleError): ApiError {
  return new ApiError(422, 'validation_failed', 'Temporal refused the schedule', [
    { path: 'json.schedule.cron', message: error.message },
  ]);
}

export function opsDeps(deps: ApiDeps): OpsDeps {
  return { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger };
}


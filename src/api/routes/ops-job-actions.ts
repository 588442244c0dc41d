import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { findOpsJob } from '../../db/repositories/ops-jobs.ts';
import { nextRunTimes, parseCron } from '../../ops/cron.ts';
import { setJobPaused } from '../../ops/jobs.ts';
import { triggerJob } from '../../ops/runs.ts';
import { backfillJobSchedule } from '../../ops/schedules.ts';
import type { ApiDeps, AppEnv } from '../context.ts';
import { ApiError, errorBodySchema, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { opsJobSchema, toJobBody } from '../serializers/ops-jobs.ts';
import { assertJobEnvironmentRole, json, loadJobViews, opsDeps, security } from './ops-jobs-shared.ts';

/** A backfill may start at most this many runs. */
const maxBackfillRuns = 100;

const lockedResponse = {
  423: { description: 'A run is in progress and the overlap policy forbids another', ...json(errorBodySchema) },
};

const triggerRoute = createRoute({
  method: 'post',
  path: '/{id}/trigger',
  summary: 'Start a run now; answers with its id at once',
  security,
  middleware: [requireRole('operator')] as const,
  request: {
    params: idParamSchema,
    body: { required: true, ...json(z.object({ confirm: z.literal(true) }).strict().openapi('TriggerOpsJob')) },
  },
  responses: {
    202: { description: 'Started', ...json(z.object({ run_id: z.uuid(), workflow_id: z.string() })) },
    ...errorResponses(400, 401, 403, 404, 422),
    ...lockedResponse,
  },
});

const pauseRoute = (action: 'pause' | 'unpause') =>
  createRoute({
    method: 'post',
    path: `/{id}/${action}`,
    summary: action === 'pause' ? 'Pause the Schedule: no runs start until unpaused' : 'Resume the Schedule',
    security,
    middleware: [requireRole('operator')] as const,
    request: { params: idParamSchema },
    responses: { 200: { description: 'The job', ...json(opsJobSchema) }, ...errorResponses(401, 403, 404, 422) },
  });

const backfillBody = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .strict()
  .refine((body) => Date.parse(body.from) < Date.parse(body.to), { path: ['to'], message: 'must be after from' })
  .openapi('BackfillOpsJob');

const backfillRoute = createRoute({
  method: 'post',
  path: '/{id}/backfill',
  summary: 'Start, one after another, the runs the cron expression had between from and to (inclusive)',
  security,
  middleware: [requireRole('operator')] as const,
  request: { params: idParamSchema, body: { required: true, ...json(backfillBody) } },
  responses: {
    202: { description: 'Requested', ...json(z.object({ runs: z.number().int(), run_times: z.array(z.string()) })) },
    ...errorResponses(400, 401, 403, 404, 422),
  },
});

export function opsJobActionRoutes(deps: ApiDeps) {
  const ui = () => ({ base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace });
  /** Pauses or resumes; the job as the API shows it. */
  const setPaused = async (c: Context<AppEnv>, id: string, paused: boolean) => {
    const caller = callerOf(c);
    c.set('audit', { action: paused ? 'ops_job.pause' : 'ops_job.unpause', target: `ops-job/${id}` });
    await assertJobEnvironmentRole(deps, caller, id);
    const job = await setJobPaused(
      opsDeps(deps),
      { workspaceId: caller.workspaceId, workspaceName: caller.workspaceName, jobId: id },
      paused,
      caller.actor,
    );
    const [view] = job ? await loadJobViews(deps, caller.workspaceId, [job]) : [];
    if (!view) throw ApiError.notFound(`ops job ${id}`);
    return toJobBody(view, ui());
  };
  return createRouter()
    .openapi(triggerRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { workspaceId } = callerOf(c);
      c.set('audit', { action: 'ops_job.trigger', target: `ops-job/${id}` });
      await assertJobEnvironmentRole(deps, callerOf(c), id);
      const result = await triggerJob(deps, workspaceId, id);
      if (!result.started && result.reason === 'not_found') throw ApiError.notFound(`ops job ${id}`);
      if (!result.started) {
        throw new ApiError(423, 'locked', 'a run of this job is in progress and its overlap policy forbids another', {
          runId: result.runId ?? null,
        });
      }
      c.set('audit', { action: 'ops_job.trigger', target: `ops-job/${id}`, details: { runId: result.run.id } });
      return c.json({ run_id: result.run.id, workflow_id: result.run.workflowId }, 202);
    })
    .openapi(pauseRoute('pause'), async (c) => c.json(await setPaused(c, c.req.valid('param').id, true), 200))
    .openapi(pauseRoute('unpause'), async (c) => c.json(await setPaused(c, c.req.valid('param').id, false), 200))
    .openapi(backfillRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { workspaceId } = callerOf(c);
      c.set('audit', { action: 'ops_job.backfill', target: `ops-job/${id}`, details: { from: body.from, to: body.to } });
      const job = await findOpsJob(deps.db, workspaceId, id);
      if (!job) throw ApiError.notFound(`ops job ${id}`);
      assertEnvironmentRole(callerOf(c), job.environment, 'operator');
      const from = new Date(body.from);
      const to = new Date(body.to);
      const parsed = parseCron(job.cron, job.timeZone);
      const times = parsed.ok
        ? nextRunTimes(parsed.schedule, new Date(from.getTime() - 1), maxBackfillRuns + 1).filter((time) => time <= to)
        : [];
      if (times.length === 0 || times.length > maxBackfillRuns) {
        const message = times.length === 0 ? 'the schedule has no run time in this range' : `more than ${maxBackfillRuns} runs`;
        throw new ApiError(422, 'validation_failed', 'request json failed validation', [{ path: 'json.to', message }]);
      }
      await backfillJobSchedule(deps.temporal, job.scheduleId, from, to);
      return c.json({ runs: times.length, run_times: times.map((time) => time.toISOString()) }, 202);
    });
}

import { createRoute, z } from '@hono/zod-openapi';
import { findOpsJob, type OpsJob } from '../../db/repositories/ops-jobs.ts';
import { jobNameSchema, policySchema, scheduleSchema, workloadSchema } from '../../ops/definition.ts';
import { createJob, deleteJob, InvalidScheduleError, updateJob } from '../../ops/jobs.ts';
import { createScheduleStateRefresher } from '../../ops/schedule-state.ts';
import { assertWorkloadAllowed } from '../boundary.ts';
import type { ApiDeps } from '../context.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema, slugSchema } from '../schemas.ts';
import { opsJobSchema, opsJobSummarySchema, previewOf, toJobBody, toJobSummary } from '../serializers/ops-jobs.ts';
import { opsJobActionRoutes } from './ops-job-actions.ts';
import { opsJobRunRoutes } from './ops-job-runs.ts';
import { assertJobEnvironmentRole, invalidSchedule, json, listJobViews, loadJobViews, opsDeps, security } from './ops-jobs-shared.ts';

const createJobBody = z
  .object({
    name: jobNameSchema,
    /** The workspace environment whose binding says what the workload may touch. */
    environment: slugSchema.default('ops'),
    description: z.string().max(1000).default(''),
    schedule: scheduleSchema,
    policy: policySchema.partial().optional(),
    paused: z.boolean().default(false),
    workload: workloadSchema,
  })
  .strict()
  .openapi('CreateOpsJob');

const patchJobBody = z
  .object({
    description: z.string().max(1000).optional(),
    schedule: scheduleSchema.optional(),
    policy: policySchema.partial().optional(),
    paused: z.boolean().optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to change')
  .openapi('PatchOpsJob');


const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "List the workspace's operations jobs with their next and last runs",
  description:
    'Answered from Postgres: next_run, paused and schedule_missing are the Schedule state cached at schedule_state_at, refreshed in the background once older than 30 s.',
  security,
  responses: {
    200: { description: 'Jobs', ...json(z.object({ items: z.array(opsJobSummarySchema) })) },
    ...errorResponses(401),
  },
});

const createJobRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create an operations job and its Temporal Schedule',
  security,
  middleware: [requireRole('operator')] as const,
  request: { body: { required: true, ...json(createJobBody) } },
  responses: { 201: { description: 'Created', ...json(opsJobSchema) }, ...errorResponses(400, 401, 403, 409, 422) },
});

const previewRoute = createRoute({
  method: 'get',
  path: '/schedule-preview',
  summary: "The next five run times of a cron expression, as Temporal will compute them (the dashboard's cron editor asks as you type); 422 names what is wrong",
  security,
  middleware: [requireRole('viewer')] as const,
  request: { query: scheduleSchema },
  responses: { 200: { description: 'The next runs', ...json(z.object({ next_runs: z.array(z.string()) })) }, ...errorResponses(401, 422) },
});

const getJobRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'An operations job with a preview of its next five run times',
  security,
  request: { params: idParamSchema },
  responses: { 200: { description: 'The job', ...json(opsJobSchema) }, ...errorResponses(401, 404, 422) },
});

const patchJobRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: "Change a job's schedule, policy or paused state",
  security,
  middleware: [requireRole('operator')] as const,
  request: { params: idParamSchema, body: { required: true, ...json(patchJobBody) } },
  responses: { 200: { description: 'Changed', ...json(opsJobSchema) }, ...errorResponses(400, 401, 403, 404, 422) },
});

const deleteJobRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a job, its Schedule, its runs and their logs (runs in progress are cancelled)',
  security,
  middleware: [requireRole('operator')] as const,
  request: { params: idParamSchema },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 422) },
});

function jobRoutes(deps: ApiDeps) {
  const ui = () => ({ base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace });
  const refresher = createScheduleStateRefresher(deps);
  return createRouter()
    .openapi(listRoute, async (c) => {
      const { workspaceId } = callerOf(c);
      const views = await listJobViews(deps, refresher, workspaceId);
      return c.json({ items: views.map((view) => toJobSummary(view)) }, 200);
    })
    .openapi(createJobRoute, async (c) => {
      const input = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'ops_job.create', target: `ops-job-name/${input.name}` });
      assertEnvironmentRole(caller, input.environment, 'operator');
      await assertWorkloadAllowed(deps, caller, input.environment, input.workload);
      await assertQuotaRoom(deps, caller, 'opsJobs', 'storageGb');
      let job: OpsJob | undefined;
      try {
        job = await createJob(opsDeps(deps), {
          workspaceId: caller.workspaceId,
          workspaceName: caller.workspaceName,
          createdBy: caller.actor,
          environment: input.environment,
          name: input.name,
          description: input.description,
          cron: input.schedule.cron,
          timeZone: input.schedule.time_zone ?? null,
          policy: input.policy,
          paused: input.paused,
          workload: input.workload,
        });
      } catch (error) {
        if (error instanceof InvalidScheduleError) throw invalidSchedule(error);
        throw error;
      }
      if (!job) throw ApiError.conflict(`this workspace has a job named ${input.name} already`);
      c.set('audit', { action: 'ops_job.create', target: `ops-job/${job.id}` });
      const [view] = await loadJobViews(deps, caller.workspaceId, [job]);
      return c.json(toJobBody(view ?? { job, state: { nextRun: null, scheduleFound: true, paused: job.paused, stateAt: null } }, ui()), 201);
    })
    // Ahead of /{id}, which would take "schedule-preview" for an id.
    .openapi(previewRoute, (c) => {
      const { cron, time_zone } = c.req.valid('query');
      return c.json({ next_runs: previewOf({ cron, timeZone: time_zone ?? null }) }, 200);
    })
    .openapi(getJobRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { workspaceId } = callerOf(c);
      const job = await findOpsJob(deps.db, workspaceId, id);
      if (!job) throw ApiError.notFound(`ops job ${id}`);
      const [view] = await loadJobViews(deps, workspaceId, [job]);
      if (!view) throw ApiError.notFound(`ops job ${id}`);
      return c.json(toJobBody(view, ui()), 200);
    })
    .openapi(patchJobRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'ops_job.update', target: `ops-job/${id}` });
      await assertJobEnvironmentRole(deps, caller, id);
      let job: OpsJob | undefined;
      try {
        job = await updateJob(
          opsDeps(deps),
          { workspaceId: caller.workspaceId, workspaceName: caller.workspaceName, jobId: id },
          {
            description: body.description,
            cron: body.schedule?.cron,
            // An omitted time_zone keeps the current one; null means UTC.
            timeZone: body.schedule?.time_zone,
            policy: body.policy,
            paused: body.paused,
          },
        );
      } catch (error) {
        if (error instanceof InvalidScheduleError) throw invalidSchedule(error);
        throw error;
      }
      if (!job) throw ApiError.notFound(`ops job ${id}`);
      const [view] = await loadJobViews(deps, caller.workspaceId, [job]);
      if (!view) throw ApiError.notFound(`ops job ${id}`);
      return c.json(toJobBody(view, ui()), 200);
    })
    .openapi(deleteJobRoute, async (c) => {
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'ops_job.delete', target: `ops-job/${id}` });
      await assertJobEnvironmentRole(deps, callerOf(c), id);
      if (!(await deleteJob(opsDeps(deps), callerOf(c).workspaceId, id))) throw ApiError.notFound(`ops job ${id}`);
      return c.body(null, 204);
    });
}

/** /ops/jobs: the jobs, their actions (trigger, pause, backfill) and their runs with logs. */
export function opsJobRoutes(deps: ApiDeps) {
  return createRouter()
    .route('/', jobRoutes(deps))
    .route('/', opsJobActionRoutes(deps))
    .route('/', opsJobRunRoutes(deps));
}

import { createRoute, z } from '@hono/zod-openapi';
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { markScheduleStateStale } from '../../db/repositories/ops-jobs.ts';
import {
  findWorkspaceAnyState,
  listUnpausedJobSchedules,
  restoreWorkspace,
  softDeleteWorkspace,
} from '../../db/repositories/workspace-lifecycle.ts';
import { setSchedulePaused } from '../../ops/schedules.ts';
import { purgeWorkflowId, type purgeWorkspaceWorkflow } from '../../workflows/purge-workspace.ts';
import { defaultAuthSettings } from '../../auth/settings.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf, requirePlatformAdmin } from '../middleware/auth.ts';
import { requireStepUp } from '../middleware/step-up.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { workspaceBody, workspaceSchema } from '../serializers/workspaces.ts';
import { requireWorkspaceRole, workspaceAccessOf } from '../workspace-access.ts';

/** How long a deleted workspace stays restorable unless ApiDeps.workspaceRetentionMs says otherwise. */
export const defaultWorkspaceRetentionMs = 30 * 24 * 3_600_000;
const security = [{ bearer: [] }];

const deleteRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'delete',
    path: '/{id}',
    summary:
      'Soft-delete a workspace (its owner or a platform admin, re-authenticated, typing "delete"): its tokens and sessions stop at once, its schedules pause, running services keep serving; purged after the retention unless restored',
    security,
    middleware: [requireWorkspaceRole(deps, 'owner'), requireStepUp(deps.auth ?? defaultAuthSettings)] as const,
    request: {
      params: idParamSchema,
      body: { required: true, content: { 'application/json': { schema: z.object({ confirm: z.literal('delete') }).strict() } } },
    },
    responses: {
      202: {
        description: 'Deleted; the purge is scheduled',
        content: { 'application/json': { schema: z.object({ workspace: workspaceSchema, purge_after: z.string(), schedules_paused: z.number().int() }) } },
      },
      ...errorResponses(400, 401, 403, 404, 409, 422, 503),
    },
  });

const restoreRoute = createRoute({
  method: 'post',
  path: '/{id}/restore',
  summary: 'Restore a deleted workspace before its purge (platform admins): cancels the purge, resumes the schedules it paused',
  security,
  middleware: [requirePlatformAdmin()] as const,
  request: { params: idParamSchema },
  responses: {
    200: { description: 'Live again', content: { 'application/json': { schema: workspaceSchema } } },
    ...errorResponses(401, 403, 404, 409, 422),
  },
});

/**
 * Pauses (or resumes) the Schedules of the workspace's jobs that their owners left running. The job rows keep
 * their own `paused`, so a restore resumes exactly those and leaves the ones paused before the deletion paused.
 */
async function pauseJobSchedules(deps: ApiDeps, workspaceId: string, paused: boolean): Promise<number> {
  const jobs = await listUnpausedJobSchedules(deps.db, workspaceId);
  const note = paused ? 'workspace deleted' : 'workspace restored';
  const results = await Promise.allSettled(
    jobs.map(async (job) => {
      try {
        await setSchedulePaused(deps.temporal, job.scheduleId, paused, note);
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
      await markScheduleStateStale(deps.db, workspaceId, job.id);
    }),
  );
  const failed = results.filter((result) => result.status === 'rejected');
  for (const failure of failed) deps.logger.error({ err: failure.reason, workspaceId, paused }, 'could not change the pause of a deleted workspace\'s schedule');
  return jobs.length - failed.length;
}

export function workspaceLifecycleRoutes(deps: ApiDeps) {
  const retentionMs = deps.workspaceRetentionMs ?? defaultWorkspaceRetentionMs;
  return createRouter()
    .openapi(deleteRoute(deps), async (c) => {
      const { workspace } = workspaceAccessOf(c);
      const caller = callerOf(c);
      const deletedAt = new Date();
      const purgeAfter = new Date(deletedAt.getTime() + retentionMs);
      // The purge first: should the update below not happen, the purge finds the workspace live and does nothing.
      // A purge of an earlier deletion (restored since) is replaced.
      await deps.temporal.workflow.start<typeof purgeWorkspaceWorkflow>('purgeWorkspaceWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: purgeWorkflowId(workspace.id),
        workflowIdConflictPolicy: 'TERMINATE_EXISTING',
        args: [{ workspaceId: workspace.id, deletedAt: deletedAt.toISOString(), retentionMs }],
        staticSummary: `purge of deleted workspace ${workspace.name}`,
      });
      const row = await softDeleteWorkspace(deps.db, workspace.id, { deletedAt, deletedBy: caller.actor, purgeAfter });
      if (!row) throw ApiError.conflict(`workspace ${workspace.name} is deleted already`);
      const paused = await pauseJobSchedules(deps, workspace.id, true);
      c.set('audit', {
        action: 'workspace.delete',
        target: `workspace/${workspace.id}`,
        details: {
          before: { name: workspace.name, deleted_at: null },
          after: { name: row.name, deleted_at: deletedAt.toISOString(), purge_after: purgeAfter.toISOString(), schedules_paused: paused },
        },
      });
      return c.json({ workspace: await workspaceBody(deps.db, row), purge_after: purgeAfter.toISOString(), schedules_paused: paused }, 202);
    })
    .openapi(restoreRoute, async (c) => {
      const { id } = c.req.valid('param');
      const before = await findWorkspaceAnyState(deps.db, id);
      if (!before) throw ApiError.notFound(`workspace ${id}`);
      if (!before.deletedAt) throw ApiError.conflict(`workspace ${before.name} is not deleted`);
      const row = await restoreWorkspace(deps.db, id, new Date());
      if (!row) throw ApiError.conflict(`workspace ${before.name} is past its retention (purge due ${before.purgeAfter?.toISOString()}) and can no longer be restored`);
      try {
        await deps.temporal.workflow.getHandle(purgeWorkflowId(id)).cancel();
      } catch (error) {
        // Gone or finished: nothing to cancel (the purge would find the workspace live anyway).
        if (!(error instanceof WorkflowNotFoundError)) deps.logger.warn({ err: error, workspaceId: id }, 'could not cancel the purge of a restored workspace');
      }
      const resumed = await pauseJobSchedules(deps, id, false);
      c.set('audit', {
        action: 'workspace.restore',
        target: `workspace/${id}`,
        details: {
          before: { name: before.name, deleted_at: before.deletedAt.toISOString(), purge_after: before.purgeAfter?.toISOString() ?? null },
          after: { name: row.name, deleted_at: null, schedules_resumed: resumed },
        },
      });
      return c.json(await workspaceBody(deps.db, row), 200);
    });
}

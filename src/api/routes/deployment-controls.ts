import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { findDeployment, type Deployment } from '../../db/repositories/deployments.ts';
import { activeDeploymentStatuses } from '../../db/schema/index.ts';
import { abortSignal, approveUpdate, promoteSignal, rejectUpdate, rollbackSignal } from '../../workflows/messages.ts';
import type { ApiDeps, Caller } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';

const decisionBody = z
  .object({
    approver: z.string().trim().min(1).max(200),
    /** Must equal the service name, typed out. */
    confirm: z.string().max(100),
    comment: z.string().max(2_000).optional(),
  })
  .strict()
  .openapi('ApprovalDecision');

const controlBody = z
  .object({
    reason: z.string().max(2_000).optional(),
    /** Promote of a canary: skip the remaining steps and send it all traffic. */
    full: z.boolean().optional(),
  })
  .strict()
  .openapi('ControlRequest');

const stateBody = z.object({ step: z.string(), status: z.string() }).passthrough().openapi('ReleaseState');

function decisionRoute(action: 'approve' | 'reject') {
  return createRoute({
    method: 'post',
    path: `/{id}/${action}`,
    summary: `${action === 'approve' ? 'Approve' : 'Reject'} a release waiting for approval`,
    security: [{ bearer: [] }],
    middleware: [requireRole('operator')] as const,
    request: { params: idParamSchema, body: { required: true, content: { 'application/json': { schema: decisionBody } } } },
    responses: {
      200: { description: 'The release state after the decision', content: { 'application/json': { schema: stateBody } } },
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  });
}

function controlRoute(action: 'abort' | 'rollback' | 'promote', summary: string) {
  return createRoute({
    method: 'post',
    path: `/{id}/${action}`,
    summary,
    security: [{ bearer: [] }],
    middleware: [requireRole('operator')] as const,
    request: { params: idParamSchema, body: { required: false, content: { 'application/json': { schema: controlBody } } } },
    responses: {
      202: { description: 'Sent to the running release', content: { 'application/json': { schema: z.object({ accepted: z.literal(true) }) } } },
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  });
}

const activeStatuses = new Set<string>(activeDeploymentStatuses);

/** Manual controls of a running blue-green release: approve, reject, abort, rollback, promote. */
export function deploymentControlRoutes(deps: ApiDeps) {
  const runningRelease = async (caller: Caller, id: string): Promise<Deployment> => {
    const deployment = await findDeployment(deps.db, caller.workspaceId, id);
    if (!deployment) throw ApiError.notFound(`deployment ${id}`);
    assertEnvironmentRole(caller, deployment.environment, 'operator');
    if (deployment.strategy === 'dry-run') throw ApiError.conflict('a dry run has no manual controls');
    if (!activeStatuses.has(deployment.status)) throw ApiError.conflict(`deployment ${id} is ${deployment.status}`);
    return deployment;
  };

  const decide = (action: 'approve' | 'reject') =>
    createRouter().openapi(decisionRoute(action), async (c) => {
      const { id } = c.req.valid('param');
      const decision = c.req.valid('json');
      c.set('audit', { action: `deployment.${action}`, target: `deployment/${id}`, details: { approver: decision.approver, comment: decision.comment ?? null } });
      const deployment = await runningRelease(callerOf(c), id);
      if (decision.confirm !== deployment.service) {
        throw new ApiError(422, 'validation_failed', 'request json failed validation', [
          { path: 'json.confirm', message: `must equal the service name "${deployment.service}"` },
        ]);
      }
      try {
        const handle = deps.temporal.workflow.getHandle(deployment.workflowId);
        const state = await handle.executeUpdate(action === 'approve' ? approveUpdate : rejectUpdate, { args: [decision] });
        return c.json(state, 200);
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          throw ApiError.conflict(error.cause instanceof Error ? error.cause.message : error.message);
        }
        throw error;
      }
    });

  const control = (action: 'abort' | 'rollback' | 'promote', summary: string) =>
    createRouter().openapi(controlRoute(action, summary), async (c) => {
      const { id } = c.req.valid('param');
      const body = (c.req.header('content-type') ?? '').includes('json') ? c.req.valid('json') : {};
      c.set('audit', { action: `deployment.${action}`, target: `deployment/${id}`, details: { reason: body.reason ?? null, full: body.full ?? null } });
      const deployment = await runningRelease(callerOf(c), id);
      if (body.full !== undefined && (action !== 'promote' || deployment.strategy !== 'canary')) {
        throw new ApiError(422, 'validation_failed', 'request json failed validation', [{ path: 'json.full', message: 'only a canary promote takes "full"' }]);
      }
      const signal = { abort: abortSignal, rollback: rollbackSignal, promote: promoteSignal }[action];
      await deps.temporal.workflow.getHandle(deployment.workflowId).signal(signal, { by: callerOf(c).actor, reason: body.reason, full: body.full });
      return c.json({ accepted: true as const }, 202);
    });

  return createRouter()
    .route('/', decide('approve'))
    .route('/', decide('reject'))
    .route('/', control('abort', 'Abort a release: before the switch the standby is dropped, after it traffic goes back'))
    .route('/', control('rollback', 'Switch traffic back to the previous colour now'))
    .route('/', control('promote', 'Blue-green: end the monitor window early. Canary: go on to the next step, or with full to 100 %'));
}

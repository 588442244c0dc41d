import { createRoute } from '@hono/zod-openapi';
import { findDeployment } from '../../db/repositories/deployments.ts';
import { activeDeploymentStatuses } from '../../db/schema/index.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { deploymentSchema, toDeploymentBody } from '../serializers/deployments.ts';
import { startRequestedRelease } from './deployments.ts';

const retryRoute = createRoute({
  method: 'post',
  path: '/{id}/retry',
  summary: 'Release the same version, image, strategy and options again (after an abort or a failure)',
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: { params: idParamSchema },
  responses: {
    201: { description: 'A new deployment started', content: { 'application/json': { schema: deploymentSchema } } },
    ...errorResponses(401, 403, 404, 409, 422),
  },
});

/** Retry after an abort: a new deployment of what an ended one released, with its options. */
export function deploymentRetryRoutes(deps: ApiDeps) {
  return createRouter().openapi(retryRoute, async (c) => {
    const { id } = c.req.valid('param');
    c.set('audit', { action: 'deployment.retry', target: `deployment/${id}` });
    const caller = callerOf(c);
    const previous = await findDeployment(deps.db, caller.workspaceId, id);
    if (!previous) throw ApiError.notFound(`deployment ${id}`);
    assertEnvironmentRole(caller, previous.environment, 'operator');
    if (activeDeploymentStatuses.includes(previous.status)) throw ApiError.conflict(`deployment ${id} is still ${previous.status}`);
    if (previous.status === 'succeeded') throw ApiError.conflict(`deployment ${id} succeeded: start a new release instead`);
    const deployment = await startRequestedRelease(deps, caller, {
      service: previous.service,
      environment: previous.environment,
      version: previous.version,
      image: previous.image,
      strategy: previous.strategy,
      options: previous.options,
    });
    c.set('audit', { action: 'deployment.retry', target: `deployment/${deployment.id}`, details: { retryOf: id } });
    return c.json(toDeploymentBody(deployment, { base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace }), 201);
  });
}

import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { createRoute, z } from '@hono/zod-openapi';
import { findActiveDeployment, listDeployments, type Deployment } from '../../db/repositories/deployments.ts';
import { findService } from '../../db/repositories/services.ts';
import { releaseWorkflowId, startRelease } from '../../releases/start-release.ts';
import { blueGreenOptionsSchema, blueGreenRelease } from '../../releases/strategies.ts';
import { switchToWarmColor, withReleaseLock, type SwitchResult } from '../../releases/instant-switch.ts';
import { releaseLockKey } from '../../releases/lock-key.ts';
import { ownedElsewhere } from '../../targets/ownership.ts';
import { releaseTarget, watchService } from '../../targets/registry.ts';
import { serviceDefinitionSchema } from '../../services/definition.ts';
import { colors, type Color } from '../../workflows/lib/colors.ts';
import type { inspectServiceWorkflow } from '../../workflows/inspect-service.ts';
import { assertPlacementAllowed, assertReleaseAllowed } from '../boundary.ts';
import type { ApiDeps, Caller } from '../context.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { serviceNameParamSchema, slugSchema } from '../schemas.ts';

/** How long GET /environments waits for a worker to read the colours from the target. */
const inspectTimeoutMs = 20_000;
import { deploymentSchema, toDeploymentBody } from '../serializers/deployments.ts';

const switchResultSchema = z
  .object({ switched: z.boolean(), from: z.enum(colors).nullable(), to: z.enum(colors), reason: z.string().optional() })
  .openapi('SwitchResult');

const switchRoute = createRoute({
  method: 'post',
  path: '/{name}/switch',
  summary: 'Send all traffic to a warm colour',
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: {
    params: serviceNameParamSchema,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ environment: slugSchema, to: z.enum(colors), confirm: z.string().max(100) }).strict(),
        },
      },
    },
  },
  responses: {
    200: { description: 'Switched', content: { 'application/json': { schema: switchResultSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

const rollbackRoute = createRoute({
  method: 'post',
  path: '/{name}/rollback',
  summary: 'Back to the previous version: one selector switch while its colour is warm, else a new release of it',
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: {
    params: serviceNameParamSchema,
    body: { required: true, content: { 'application/json': { schema: z.object({ environment: slugSchema }).strict() } } },
  },
  responses: {
    200: { description: 'Rolled back', content: { 'application/json': { schema: switchResultSchema } } },
    202: {
      description: 'The previous colour was cold: a blue-green release of the previous version started',
      content: { 'application/json': { schema: switchResultSchema.extend({ release: deploymentSchema }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/{name}/history',
  summary: "A service's releases in an environment, newest first",
  security: [{ bearer: [] }],
  request: {
    params: serviceNameParamSchema,
    query: z.object({ environment: slugSchema, limit: z.coerce.number().int().min(1).max(100).default(20) }),
  },
  responses: {
    200: {
      description: 'Timeline',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z.object({
                deployment_id: z.uuid(),
                version: z.string(),
                strategy: z.string(),
                status: z.string(),
                started_at: z.string().nullable(),
                duration_ms: z.number().int().nullable(),
                who: z.string(),
              }),
            ),
          }),
        },
      },
    },
    ...errorResponses(401, 404, 422),
  },
});

const environmentsRoute = createRoute({
  method: 'get',
  path: '/{name}/environments',
  summary: "A service's two colours: version, state, health and share of traffic",
  security: [{ bearer: [] }],
  request: { params: serviceNameParamSchema, query: z.object({ environment: slugSchema }) },
  responses: {
    200: {
      description: 'Blue and green',
      content: {
        'application/json': {
          schema: z.array(
            z.object({
              name: z.enum(colors),
              version: z.string().nullable(),
              status: z.enum(['active', 'warm', 'scaled_down', 'absent']),
              health: z.object({ pods: z.number().int(), ready: z.number().int(), restarts: z.number().int() }),
              traffic_pct: z.number().int(),
            }),
          ),
        },
      },
    },
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

/** Service-level traffic moves outside a release, and the release timeline. */
export function serviceTrafficRoutes(deps: ApiDeps) {
  /**
   * Switches in this process, not through a workflow: one verified write to the target (a Service patch, a
   * proxy route), which a worker outage or a backed-up task queue cannot delay. The release lock of the
   * service's objects keeps it from overlapping a release start or a retirement of them; the audit middleware
   * records it. A namespace or port the binding no longer grants is refused (403) before anything is read;
   * objects of another workspace or environment are refused (409), never switched.
   */
  const runSwitch = async (caller: Caller, environment: string, name: string, to?: Color) => {
    const { workspaceId } = caller;
    const service = await findService(deps.db, workspaceId, environment, name);
    if (!service) throw ApiError.notFound(`service ${name} in ${environment}`);
    const definition = serviceDefinitionSchema.parse(service.definition);
    await assertPlacementAllowed(deps, caller, environment, definition);
    watchService(deps.targets, definition);
    const workflowId = releaseWorkflowId(workspaceId, environment, name);
    const owner = { workspaceId, environment };
    return withReleaseLock(deps.db, releaseLockKey(name, definition), async (tx) => {
      const running = await findActiveDeployment(tx, workspaceId, workflowId);
      if (running) throw ApiError.conflict(`a release of ${name} is in progress`, { deploymentId: running.id });
      try {
        return await switchToWarmColor(releaseTarget(deps.targets, owner, name, definition), name, to);
      } catch (error) {
        const owned = ownedElsewhere(error);
        if (owned) throw ApiError.conflict(owned.describeFor(owner), { object: owned.object });
        // The lock is released with the transaction; nothing was recorded as switched.
        const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        throw new ApiError(503, 'target_unavailable', `could not switch ${name}: ${cause}`);
      }
    });
  };
  /**
   * A blue-green release of an earlier deployment's version and image, with that deployment's options: checked
   * as POST /deployments checks a release, since the binding may have narrowed since that version ran.
   */
  const redeploy = async (caller: Caller, environment: string, name: string, previous: Deployment) => {
    const service = await findService(deps.db, caller.workspaceId, environment, name);
    if (!service || !previous.image) throw ApiError.notFound(`service ${name} in ${environment}`);
    const definition = serviceDefinitionSchema.parse(service.definition);
    await assertReleaseAllowed(deps, caller, { environment, definition, image: previous.image, analyses: [] });
    const request = {
      lockKey: releaseLockKey(name, definition),
      workspaceId: caller.workspaceId,
      workspaceName: caller.workspaceName,
      requestedBy: caller.actor,
      service: name,
      environment,
      version: previous.version,
      image: previous.image,
      strategy: 'blue-green' as const,
      options: previous.options,
    };
    const options = blueGreenOptionsSchema.parse(previous.options);
    await assertQuotaRoom(deps, caller, 'concurrentReleases', 'storageGb');
    const result = await startRelease(deps, request, blueGreenRelease(request, definition, options));
    if (!result.started) throw ApiError.conflict(`a release of ${name} is in progress`, { deploymentId: result.runningDeploymentId });
    return result.deployment;
  };
  const refuseCold = (result: SwitchResult) => {
    if (!result.switched) throw ApiError.conflict(result.reason ?? 'cannot switch', result);
    return result;
  };

  return createRouter()
    .openapi(switchRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment, to, confirm } = c.req.valid('json');
      c.set('audit', { action: 'service.switch', target: `service/${environment}/${name}`, details: { to } });
      assertEnvironmentRole(callerOf(c), environment, 'operator');
      if (confirm !== name) {
        throw new ApiError(422, 'validation_failed', 'request json failed validation', [
          { path: 'json.confirm', message: `must equal the service name "${name}"` },
        ]);
      }
      return c.json(refuseCold(await runSwitch(callerOf(c), environment, name, to)), 200);
    })
    .openapi(rollbackRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment } = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'service.rollback', target: `service/${environment}/${name}` });
      assertEnvironmentRole(caller, environment, 'operator');
      const switched = await runSwitch(caller, environment, name);
      if (switched.switched) return c.json(switched, 200);
      // The previous colour is cold: release the previous successful version again.
      const [, previous] = await listDeployments(deps.db, caller.workspaceId, { service: name, environment, status: 'succeeded', limit: 2 });
      if (!previous?.image) throw ApiError.conflict(`${switched.reason ?? 'cannot switch'}; no earlier successful release to redeploy`, switched);
      const release = await redeploy(caller, environment, name, previous);
      c.set('audit', { action: 'service.rollback', target: `deployment/${release.id}`, details: { version: previous.version } });
      return c.json({ ...switched, release: toDeploymentBody(release, { base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace }) }, 202);
    })
    .openapi(environmentsRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment } = c.req.valid('query');
      const caller = callerOf(c);
      const { workspaceId } = caller;
      const service = await findService(deps.db, workspaceId, environment, name);
      if (!service) throw ApiError.notFound(`service ${name} in ${environment}`);
      const definition = serviceDefinitionSchema.parse(service.definition);
      // The worker's inspectColors refuses it too; refused here, the answer is a 403 rather than a failed workflow.
      await assertPlacementAllowed(deps, caller, environment, definition);
      let view: Awaited<ReturnType<typeof inspectServiceWorkflow>>;
      try {
        view = await deps.temporal.workflow.execute<typeof inspectServiceWorkflow>('inspectServiceWorkflow', {
          taskQueue: deps.taskQueue,
          workflowId: `inspect/${workspaceId}/${environment}/${name}/${randomUUID()}`,
          args: [{ workspaceId, environment, service: name, definition }],
          // A read: bounded, so a target that does not answer (or no worker) is a 503, not a request left hanging.
          workflowExecutionTimeout: inspectTimeoutMs,
        });
      } catch (error) {
        if (!(error instanceof WorkflowFailedError)) throw error;
        const inner = error.cause instanceof Error && error.cause.cause instanceof Error ? error.cause.cause : error.cause;
        const cause = inner instanceof Error ? inner.message : error.message;
        throw new ApiError(503, 'target_unavailable', `could not read the colours of ${name}: ${cause}`);
      }
      return c.json(view, 200);
    })
    .openapi(historyRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment, limit } = c.req.valid('query');
      const { workspaceId } = callerOf(c);
      if (!(await findService(deps.db, workspaceId, environment, name))) throw ApiError.notFound(`service ${name} in ${environment}`);
      const rows = await listDeployments(deps.db, workspaceId, { service: name, environment, limit });
      return c.json(
        {
          items: rows.map((row) => ({
            deployment_id: row.id,
            version: row.version,
            strategy: row.strategy,
            status: row.status,
            started_at: row.startedAt?.toISOString() ?? null,
            duration_ms: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
            who: row.createdBy,
          })),
        },
        200,
      );
    });
}

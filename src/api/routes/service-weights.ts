import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { findActiveDeployment } from '../../db/repositories/deployments.ts';
import { findService } from '../../db/repositories/services.ts';
import { withReleaseLock } from '../../releases/instant-switch.ts';
import { releaseLockKey } from '../../releases/lock-key.ts';
import { releaseWorkflowId } from '../../releases/start-release.ts';
import { serviceDefinitionSchema } from '../../services/definition.ts';
import { ownedElsewhere } from '../../targets/ownership.ts';
import { releaseTarget } from '../../targets/registry.ts';
import { trafficRouter } from '../../traffic/registry.ts';
import { UnsupportedWeightsError } from '../../traffic/router.ts';
import { colors } from '../../workflows/lib/colors.ts';
import { assertPlacementAllowed } from '../boundary.ts';
import type { ApiDeps, Caller } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { serviceNameParamSchema, slugSchema } from '../schemas.ts';

const weight = z.number().int().min(0).max(100);
const trafficSchema = z
  .object({
    provider: z.string(),
    capabilities: z.object({ partialWeights: z.boolean() }),
    /** null before the service has any traffic. */
    weights: z.object({ blue: z.number().int(), green: z.number().int() }).nullable(),
  })
  .openapi('Traffic');

const getTrafficRoute = createRoute({
  method: 'get',
  path: '/{name}/traffic',
  summary: "A service's traffic split between its colours, read from its traffic provider",
  security: [{ bearer: [] }],
  request: { params: serviceNameParamSchema, query: z.object({ environment: slugSchema }) },
  responses: {
    200: { description: 'Weights', content: { 'application/json': { schema: trafficSchema } } },
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

const trafficEventsRoute = createRoute({
  method: 'get',
  path: '/{name}/traffic/events',
  summary: "A service's traffic split as Server-Sent Events: a `weights` event now and whenever it changes",
  description:
    'The API reads the provider every `poll_ms` and sends `weights` (`{ blue, green }`, or null before any traffic) ' +
    'when the split changes, whoever changed it (a release, a switch, the monitor). A read that fails sends an ' +
    '`unavailable` event and the stream goes on. After `max_ms` one `reconnect` event, and the stream closes.',
  security: [{ bearer: [] }],
  request: {
    params: serviceNameParamSchema,
    query: z.object({
      environment: slugSchema,
      poll_ms: z.coerce.number().int().min(100).max(10_000).default(250),
      max_ms: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
    }),
  },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(401, 403, 404, 422),
  },
});

const setTrafficRoute = createRoute({
  method: 'post',
  path: '/{name}/traffic',
  summary: 'Split traffic between the colours (whole percent summing to 100), outside a release',
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: {
    params: serviceNameParamSchema,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ environment: slugSchema, blue: weight, green: weight })
            .strict()
            .refine((body) => body.blue + body.green === 100, { message: 'blue and green must sum to 100', path: ['green'] }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Applied and read back', content: { 'application/json': { schema: trafficSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422, 503),
  },
});

/** The error to answer with: 409 naming the object when it is another owner's, else 503 (the provider failed). */
function unavailable(name: string, error: unknown, owner: { workspaceId: string; environment: string }): ApiError {
  const owned = ownedElsewhere(error);
  if (owned) return ApiError.conflict(owned.describeFor(owner), { object: owned.object });
  const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new ApiError(503, 'target_unavailable', `could not reach the traffic provider of ${name}: ${cause}`);
}

/** Reading and setting a service's traffic split through its provider (Service selector, Gateway API, local proxy). */
export function serviceWeightRoutes(deps: ApiDeps) {
  /**
   * The stored service and its traffic provider, once its namespace or ports are checked against the binding
   * again (403): the binding may have narrowed since the definition was saved, and labels do not follow it.
   */
  const load = async (caller: Caller, environment: string, name: string) => {
    const { workspaceId } = caller;
    const service = await findService(deps.db, workspaceId, environment, name);
    if (!service) throw ApiError.notFound(`service ${name} in ${environment}`);
    const definition = serviceDefinitionSchema.parse(service.definition);
    await assertPlacementAllowed(deps, caller, environment, definition);
    const owner = { workspaceId, environment };
    return { definition, owner, router: trafficRouter(deps.targets, owner, name, definition) };
  };

  return createRouter()
    // One reader per open page, in the API next to the provider, instead of every page polling over HTTP.
    .openapi(trafficEventsRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment, poll_ms: pollMs, max_ms: maxMs } = c.req.valid('query');
      const { router } = await load(callerOf(c), environment, name);
      return streamSSE(c, async (stream) => {
        const deadline = Date.now() + maxMs;
        let last: string | undefined;
        let lastWrite = Date.now();
        while (!stream.aborted && Date.now() < deadline) {
          const read = await router.weights().then(
            (weights) => ({ event: 'weights', data: JSON.stringify(weights ?? null) }),
            (error: unknown) => ({ event: 'unavailable', data: JSON.stringify({ message: error instanceof Error ? error.message : String(error) }) }),
          );
          const text = `${read.event}:${read.data}`;
          if (text !== last) {
            await stream.writeSSE(read);
            last = text;
            lastWrite = Date.now();
          } else if (Date.now() - lastWrite > 15_000) {
            await stream.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await stream.sleep(pollMs);
        }
        if (!stream.aborted) await stream.writeSSE({ event: 'reconnect', data: JSON.stringify({ reason: 'max_duration' }), retry: pollMs });
      });
    })
    .openapi(getTrafficRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment } = c.req.valid('query');
      const { router, owner } = await load(callerOf(c), environment, name);
      const weights = await router.weights().catch((error: unknown) => {
        throw unavailable(name, error, owner);
      });
      return c.json({ provider: router.type, capabilities: router.capabilities, weights: weights ?? null }, 200);
    })
    .openapi(setTrafficRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment, blue, green } = c.req.valid('json');
      const weights = { blue, green };
      const caller = callerOf(c);
      const { workspaceId } = caller;
      c.set('audit', { action: 'service.traffic', target: `service/${environment}/${name}`, details: weights });
      assertEnvironmentRole(caller, environment, 'operator');
      const { definition, owner, router } = await load(caller, environment, name);
      if (!router.capabilities.partialWeights && blue !== 0 && green !== 0) {
        throw ApiError.conflict(`the ${router.type} provider of ${name} sends all traffic to one colour: use 0 and 100, or a provider that splits`);
      }
      const workflowId = releaseWorkflowId(workspaceId, environment, name);
      const applied = await withReleaseLock(deps.db, releaseLockKey(name, definition), async (tx) => {
        const running = await findActiveDeployment(tx, workspaceId, workflowId);
        if (running) throw ApiError.conflict(`a release of ${name} is in progress`, { deploymentId: running.id });
        try {
          // Traffic only to colours that can answer it.
          const target = releaseTarget(deps.targets, owner, name, definition);
          for (const color of colors) {
            if (weights[color] > 0 && (await target.podHealth(color)).ready === 0) {
              throw ApiError.conflict(`${name}-${color} has no ready instances`, { color });
            }
          }
          return await router.setWeights(weights);
        } catch (error) {
          if (error instanceof ApiError) throw error;
          if (error instanceof UnsupportedWeightsError) throw ApiError.conflict(error.message);
          throw unavailable(name, error, owner);
        }
      });
      return c.json({ provider: router.type, capabilities: router.capabilities, weights: applied }, 200);
    });
}

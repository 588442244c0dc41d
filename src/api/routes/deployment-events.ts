import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { findDeployment, listDeploymentEvents } from '../../db/repositories/deployments.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { toDeploymentBody, toStepBody } from '../serializers/deployments.ts';

const finalStatuses = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

const eventsRoute = createRoute({
  method: 'get',
  path: '/{id}/events',
  summary: "A deployment's steps as Server-Sent Events, live until it ends",
  description:
    'Sends `step` events (a step as in GET /deployments/{id}, again whenever it changes), `status` events when the ' +
    'deployment status changes, and one `end` event with the final deployment before closing. A stream lasts at most ' +
    '`max_ms`: then it sends one `reconnect` event and closes, and the client opens a new one (events are sent again ' +
    'from the start, so nothing is lost).',
  security: [{ bearer: [] }],
  request: {
    params: idParamSchema,
    query: z.object({
      poll_ms: z.coerce.number().int().min(100).max(10_000).default(500),
      // A release may wait for approval for days: no stream (and no poll loop) outlives this.
      max_ms: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
    }),
  },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(401, 404, 422),
  },
});

/** Streams a deployment's progress from Postgres, where the workflow's activities record it. */
export function deploymentEventRoutes(deps: ApiDeps) {
  return createRouter().openapi(eventsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { poll_ms: pollMs, max_ms: maxMs } = c.req.valid('query');
    const { workspaceId } = callerOf(c);
    if (!(await findDeployment(deps.db, workspaceId, id))) throw ApiError.notFound(`deployment ${id}`);

    return streamSSE(c, async (stream) => {
      const ended = await pollEvents(deps, stream, { workspaceId, id, pollMs, deadline: Date.now() + maxMs });
      deps.logger.debug({ deploymentId: id, ended }, 'deployment event stream closed');
    });
  });
}

/**
 * Writes what changed every `pollMs` until the deployment ends, the client goes away or the deadline passes;
 * says which of these ended it.
 */
async function pollEvents(
  deps: ApiDeps,
  stream: SSEStreamingApi,
  { workspaceId, id, pollMs, deadline }: { workspaceId: string; id: string; pollMs: number; deadline: number },
): Promise<'final' | 'gone' | 'disconnected' | 'max_duration'> {
  const sent = new Map<string, string>();
  let lastStatus = '';
  const ui = { base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace };
  let disconnected = false;
  stream.onAbort(() => {
    disconnected = true;
  });
  for (;;) {
    if (disconnected) return 'disconnected';
    const deployment = await findDeployment(deps.db, workspaceId, id);
    if (!deployment) return 'gone';
    for (const event of await listDeploymentEvents(deps.db, workspaceId, id)) {
      const body = JSON.stringify(toStepBody(event));
      if (sent.get(event.eventKey) === body) continue;
      sent.set(event.eventKey, body);
      await stream.writeSSE({ event: 'step', data: body, id: `${event.eventKey}:${event.updatedAt.getTime()}` });
    }
    if (deployment.status !== lastStatus) {
      lastStatus = deployment.status;
      await stream.writeSSE({ event: 'status', data: JSON.stringify({ status: deployment.status, reason: deployment.reason }) });
    }
    if (finalStatuses.has(deployment.status)) {
      await stream.writeSSE({ event: 'end', data: JSON.stringify(toDeploymentBody(deployment, ui)) });
      return 'final';
    }
    const wait = Math.min(pollMs, deadline - Date.now());
    if (wait <= 0) {
      await stream.writeSSE({ event: 'reconnect', data: JSON.stringify({ reason: 'max_duration', status: deployment.status }), retry: pollMs });
      return 'max_duration';
    }
    await stream.sleep(wait);
  }
}

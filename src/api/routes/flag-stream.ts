import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { loadFlagConfiguration } from '../../db/repositories/flag-configuration.ts';
import type { ApiDeps } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { slugSchema } from '../schemas.ts';

/**
 * An environment's flag configuration as Server-Sent Events, for SDKs that evaluate locally (src/sdk/): one
 * `flags` event with everything at once, then again after every change. Changes arrive by NOTIFY from the database
 * (src/flags/changes.ts), so a provider sees one within milliseconds, whoever made it.
 */

const streamRoute = createRoute({
  method: 'get',
  path: '/{environment}/stream',
  summary: "An environment's flags and segments as Server-Sent Events, sent again on every change",
  description:
    'Sends a `flags` event (`{ environment, etag, flags, segments }`, its SSE id the etag) at once and after each ' +
    'change, a comment every `heartbeat_ms` to keep proxies from closing the connection, and after `max_ms` one ' +
    '`reconnect` event before closing. A client that reconnects with `Last-Event-ID` set to the etag it holds gets ' +
    'no event until something changes.',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ environment: slugSchema.openapi({ param: { name: 'environment', in: 'path' } }) }),
    query: z.object({
      heartbeat_ms: z.coerce.number().int().min(1_000).max(60_000).default(15_000),
      max_ms: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
    }),
  },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(401, 422),
  },
});

export function flagStreamRoutes(deps: ApiDeps) {
  return createRouter().openapi(streamRoute, (c) => {
    const { environment } = c.req.valid('param');
    const { heartbeat_ms: heartbeatMs, max_ms: maxMs } = c.req.valid('query');
    const { workspaceId } = callerOf(c);
    let sentEtag = c.req.header('last-event-id') ?? '';
    return streamSSE(c, async (stream) => {
      let changed = true;
      let closed = false;
      let wake = () => {};
      const unsubscribe = deps.flagChanges?.subscribe(workspaceId, environment, () => {
        changed = true;
        wake();
      });
      stream.onAbort(() => {
        closed = true;
        wake();
      });
      const deadline = Date.now() + maxMs;
      try {
        while (!closed) {
          if (changed) {
            changed = false;
            const configuration = await loadFlagConfiguration(deps.db, workspaceId, environment);
            if (configuration.etag !== sentEtag) {
              sentEtag = configuration.etag;
              await stream.writeSSE({ event: 'flags', id: configuration.etag, data: JSON.stringify(configuration) });
            }
            if (changed) continue;
          }
          const left = deadline - Date.now();
          if (left <= 0) {
            await stream.writeSSE({ event: 'reconnect', data: JSON.stringify({ reason: 'max_duration' }), retry: 1000 });
            return;
          }
          // Without a change feed (no LISTEN), every heartbeat reads the configuration again: changes still arrive.
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), Math.min(left, deps.flagChanges ? heartbeatMs : Math.min(heartbeatMs, 1_000)));
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = () => {};
          if (!woken && !closed) {
            await stream.write(': keep-alive\n\n');
            // A notification lost while the listening connection reconnected heals here.
            changed = true;
          }
        }
      } finally {
        unsubscribe?.();
      }
    });
  });
}

import { createRoute, z } from '@hono/zod-openapi';
import { listBindings } from '../../db/repositories/bindings.ts';
import type { ApiDeps } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { bindingSchema, toBindingBody } from './admin.ts';

// Every member may read what their workspace may touch, so a refusal's "ask a platform admin" can be checked.

const listOwnBindingsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "This workspace's bindings: which targets each environment may use, and what it may touch there",
  security: [{ bearer: [] }],
  responses: {
    200: { description: 'Bindings', content: { 'application/json': { schema: z.object({ items: z.array(bindingSchema) }) } } },
    ...errorResponses(401),
  },
});

export function bindingRoutes(deps: ApiDeps) {
  return createRouter().openapi(listOwnBindingsRoute, async (c) => {
    const rows = await listBindings(deps.db, { workspaceId: callerOf(c).workspaceId });
    return c.json({ items: rows.map(toBindingBody) }, 200);
  });
}

import { createRoute, z } from '@hono/zod-openapi';
import { createApiToken, createWorkspace } from '../../db/repositories/workspaces.ts';
import type { ApiDeps } from '../context.ts';
import { createRouter } from '../router.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { requirePlatformAdmin } from '../middleware/auth.ts';
import { slugSchema } from '../schemas.ts';

const createWorkspaceRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a workspace and its first admin token (platform admins); it may touch nothing until it is bound',
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ name: slugSchema }).strict() } } },
  },
  responses: {
    201: {
      description: 'Created; the admin token is shown only here',
      content: {
        'application/json': {
          schema: z.object({
            workspace: z.object({ id: z.uuid(), name: z.string() }),
            admin_token: z.string(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 409, 422),
  },
});

export function workspaceRoutes(deps: ApiDeps) {
  return createRouter().openapi(createWorkspaceRoute, async (c) => {
    const { name } = c.req.valid('json');
    const created = await deps.db.transaction(async (tx) => {
      const workspace = await createWorkspace(tx, name);
      if (!workspace) return undefined;
      const token = await createApiToken(tx, { workspaceId: workspace.id, name: `${name}-admin`, role: 'admin' });
      return { workspace, token };
    });
    if (!created) throw ApiError.conflict(`workspace ${name} already exists`);
    c.set('audit', { action: 'workspace.create', target: `workspace/${created.workspace.id}` });
    return c.json(
      { workspace: { id: created.workspace.id, name: created.workspace.name }, admin_token: created.token.plaintext },
      201,
    );
  });
}

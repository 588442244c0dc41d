import { createRoute, z } from '@hono/zod-openapi';
import { createApiToken, listApiTokens, revokeApiToken } from '../../db/repositories/workspaces.ts';
import { roles } from '../../db/schema/index.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';

const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(roles),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiToken');

const listTokensRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "List this workspace's tokens (never their secrets)",
  security: [{ bearer: [] }],
  middleware: [requireRole('admin')] as const,
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: z.object({ items: z.array(tokenSchema) }) } } },
    ...errorResponses(401, 403),
  },
});

const createTokenRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a token in this workspace; its secret is shown once',
  security: [{ bearer: [] }],
  middleware: [requireRole('admin')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ name: z.string().min(1).max(100), role: z.enum(roles) }).strict(),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Created',
      content: { 'application/json': { schema: tokenSchema.extend({ token: z.string() }) } },
    },
    ...errorResponses(400, 401, 403, 422),
  },
});

const revokeTokenRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Revoke a token',
  security: [{ bearer: [] }],
  middleware: [requireRole('admin')] as const,
  request: { params: idParamSchema },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404, 422) },
});

function toTokenBody(row: { id: string; name: string; role: (typeof roles)[number]; createdAt: Date; revokedAt: Date | null }) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    created_at: row.createdAt.toISOString(),
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

export function tokenRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(listTokensRoute, async (c) => {
      const rows = await listApiTokens(deps.db, callerOf(c).workspaceId);
      return c.json({ items: rows.map(toTokenBody) }, 200);
    })
    .openapi(createTokenRoute, async (c) => {
      const input = c.req.valid('json');
      const { row, plaintext } = await createApiToken(deps.db, { workspaceId: callerOf(c).workspaceId, ...input });
      c.set('audit', { action: 'token.create', target: `token/${row.id}`, details: { role: row.role } });
      return c.json({ ...toTokenBody(row), token: plaintext }, 201);
    })
    .openapi(revokeTokenRoute, async (c) => {
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'token.revoke', target: `token/${id}` });
      if (!(await revokeApiToken(deps.db, callerOf(c).workspaceId, id))) throw ApiError.notFound(`token ${id}`);
      return c.body(null, 204);
    });
}

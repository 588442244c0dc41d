import { createRoute, z } from '@hono/zod-openapi';
import { atLeast } from '../../auth/roles.ts';
import { createApiToken, listApiTokens, listPersonalTokens, revokeApiToken } from '../../db/repositories/workspaces.ts';
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
    /** `service`: the workspace's (CI); `personal`: acts as its user, never above the user's role at each use. */
    kind: z.enum(['service', 'personal']),
    user_id: z.uuid().nullable(),
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

const listPersonalRoute = createRoute({
  method: 'get',
  path: '/personal',
  summary: "The signed-in user's personal tokens in this workspace",
  security: [{ bearer: [] }],
  responses: {
    200: { description: 'Tokens', content: { 'application/json': { schema: z.object({ items: z.array(tokenSchema) }) } } },
    ...errorResponses(401, 403),
  },
});

const createPersonalRoute = createRoute({
  method: 'post',
  path: '/personal',
  summary: 'Create a personal token: it acts as you, capped by your role each time it is used; its secret is shown once',
  security: [{ bearer: [] }],
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ name: z.string().min(1).max(100), role: z.enum(roles).optional() }).strict() } },
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: tokenSchema.extend({ token: z.string() }) } } },
    ...errorResponses(400, 401, 403, 422),
  },
});

const revokePersonalRoute = createRoute({
  method: 'delete',
  path: '/personal/{id}',
  summary: 'Revoke one of your personal tokens',
  security: [{ bearer: [] }],
  request: { params: idParamSchema },
  responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404, 422) },
});

/** Personal tokens are made by a person at a keyboard: a signed-in session, never another token. */
function personOf(caller: ReturnType<typeof callerOf>): string {
  if (caller.kind !== 'session' || !caller.userId) {
    throw new ApiError(403, 'session_required', 'personal tokens are made and managed by a signed-in person; sign in at POST /api/v1/auth/login');
  }
  return caller.userId;
}

function toTokenBody(row: { id: string; name: string; role: (typeof roles)[number]; userId: string | null; createdAt: Date; revokedAt: Date | null }) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    kind: row.userId ? ('personal' as const) : ('service' as const),
    user_id: row.userId,
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
    .openapi(listPersonalRoute, async (c) => {
      const caller = callerOf(c);
      const rows = await listPersonalTokens(deps.db, caller.workspaceId, personOf(caller));
      return c.json({ items: rows.map(toTokenBody) }, 200);
    })
    .openapi(createPersonalRoute, async (c) => {
      const caller = callerOf(c);
      const userId = personOf(caller);
      const input = c.req.valid('json');
      const role = input.role ?? caller.role;
      if (!atLeast(caller.role, role)) {
        throw new ApiError(403, 'forbidden', `a personal token cannot hold more than your role: you are ${caller.role}, it asked for ${role}`);
      }
      const { row, plaintext } = await createApiToken(deps.db, { workspaceId: caller.workspaceId, name: input.name, role, userId });
      c.set('audit', { action: 'token.create', target: `token/${row.id}`, details: { role: row.role, kind: 'personal', user_id: userId } });
      return c.json({ ...toTokenBody(row), token: plaintext }, 201);
    })
    .openapi(revokePersonalRoute, async (c) => {
      const caller = callerOf(c);
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'token.revoke', target: `token/${id}`, details: { kind: 'personal' } });
      if (!(await revokeApiToken(deps.db, caller.workspaceId, id, { userId: personOf(caller) }))) throw ApiError.notFound(`personal token ${id}`);
      return c.body(null, 204);
    })
    .openapi(revokeTokenRoute, async (c) => {
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'token.revoke', target: `token/${id}` });
      if (!(await revokeApiToken(deps.db, callerOf(c).workspaceId, id))) throw ApiError.notFound(`token ${id}`);
      return c.body(null, 204);
    });
}

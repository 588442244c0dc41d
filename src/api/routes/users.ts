import { createRoute, z } from '@hono/zod-openapi';
import { hashPassword, minPasswordLength } from '../../auth/passwords.ts';
import { revokeUserSessions } from '../../db/repositories/sessions.ts';
import { createUser, findUserById, listUsers, setUserPassword, updateUser, type User } from '../../db/repositories/users.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf, requirePlatformAdmin } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const displayNameSchema = z.string().min(1).max(200);
const passwordSchema = z.string().min(minPasswordLength).max(1024);

const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    display_name: z.string(),
    platform_admin: z.boolean(),
    disabled_at: z.string().nullable(),
    locked_until: z.string().nullable(),
    has_password: z.boolean(),
    created_at: z.string(),
  })
  .openapi('User');

function userBody(user: User) {
  return {
    id: user.id,
    email: user.email,
    display_name: user.displayName,
    platform_admin: user.platformAdmin,
    disabled_at: user.disabledAt?.toISOString() ?? null,
    locked_until: user.lockedUntil && user.lockedUntil.getTime() > Date.now() ? user.lockedUntil.toISOString() : null,
    has_password: user.passwordHash !== null,
    created_at: user.createdAt.toISOString(),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Every user of the platform (platform admins)',
  security,
  middleware: [requirePlatformAdmin()] as const,
  responses: { 200: { description: 'Users', ...json(z.object({ items: z.array(userSchema) })) }, ...errorResponses(401, 403) },
});

const createUserRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a user (platform admins); add them to workspaces at /workspaces/{id}/users',
  security,
  middleware: [requirePlatformAdmin()] as const,
  request: {
    body: {
      required: true,
      ...json(z.object({ email: z.email().max(320), display_name: displayNameSchema, password: passwordSchema.optional(), platform_admin: z.boolean().default(false) }).strict()),
    },
  },
  responses: { 201: { description: 'Created', ...json(userSchema) }, ...errorResponses(400, 401, 403, 409, 422) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One user (platform admins)',
  security,
  middleware: [requirePlatformAdmin()] as const,
  request: { params: idParamSchema },
  responses: { 200: { description: 'The user', ...json(userSchema) }, ...errorResponses(401, 403, 404, 422) },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: "Change a user's name, platform-admin flag, or disable them (their sessions end at once)",
  security,
  middleware: [requirePlatformAdmin()] as const,
  request: {
    params: idParamSchema,
    body: { required: true, ...json(z.object({ display_name: displayNameSchema.optional(), platform_admin: z.boolean().optional(), disabled: z.boolean().optional() }).strict()) },
  },
  responses: { 200: { description: 'Changed', ...json(userSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
});

const passwordRoute = createRoute({
  method: 'post',
  path: '/{id}/password',
  summary: "Set a user's password (platform admins); their sessions end",
  security,
  middleware: [requirePlatformAdmin()] as const,
  request: { params: idParamSchema, body: { required: true, ...json(z.object({ password: passwordSchema }).strict()) } },
  responses: { 204: { description: 'Set' }, ...errorResponses(400, 401, 403, 404, 422) },
});

/** People of the platform, managed by platform admins; workspace membership is the workspaces' own business. */
export function userRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(listRoute, async (c) => c.json({ items: (await listUsers(deps.db)).map(userBody) }, 200))
    .openapi(createUserRoute, async (c) => {
      const body = c.req.valid('json');
      c.set('audit', { action: 'user.create', target: body.email });
      const user = await createUser(deps.db, {
        email: body.email,
        displayName: body.display_name,
        passwordHash: body.password ? await hashPassword(body.password) : undefined,
        platformAdmin: body.platform_admin,
      });
      if (!user) throw new ApiError(409, 'email_taken', `a user with the email ${body.email} exists already (emails are compared whatever their case)`);
      c.set('audit', { action: 'user.create', target: `user/${user.id}`, details: { after: { email: user.email, platform_admin: user.platformAdmin } } });
      return c.json(userBody(user), 201);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid('param');
      const user = await findUserById(deps.db, id);
      if (!user) throw ApiError.notFound(`user ${id}`);
      return c.json(userBody(user), 200);
    })
    .openapi(patchRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      c.set('audit', { action: 'user.update', target: `user/${id}` });
      const before = await findUserById(deps.db, id);
      if (!before) throw ApiError.notFound(`user ${id}`);
      if (callerOf(c).userId === id && (body.platform_admin === false || body.disabled === true)) {
        throw new ApiError(409, 'conflict', 'you cannot remove your own platform-admin role or disable yourself: ask another platform admin');
      }
      const disabledAt = body.disabled === undefined ? undefined : body.disabled ? (before.disabledAt ?? new Date()) : null;
      const after = await updateUser(deps.db, id, { displayName: body.display_name, platformAdmin: body.platform_admin, disabledAt });
      if (!after) throw ApiError.notFound(`user ${id}`);
      // Disabling ends their sessions now; their personal tokens stop at the next use (authenticate checks the user).
      const endedSessions = body.disabled ? await revokeUserSessions(deps.db, id) : 0;
      const view = (user: User) => ({ display_name: user.displayName, platform_admin: user.platformAdmin, disabled: user.disabledAt !== null });
      c.set('audit', { action: 'user.update', target: `user/${id}`, details: { before: view(before), after: view(after), ended_sessions: endedSessions } });
      return c.json(userBody(after), 200);
    })
    .openapi(passwordRoute, async (c) => {
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'user.password_set', target: `user/${id}` });
      if (!(await findUserById(deps.db, id))) throw ApiError.notFound(`user ${id}`);
      await setUserPassword(deps.db, id, await hashPassword(c.req.valid('json').password));
      const ended = await revokeUserSessions(deps.db, id);
      c.set('audit', { action: 'user.password_set', target: `user/${id}`, details: { ended_sessions: ended } });
      return c.body(null, 204);
    });
}

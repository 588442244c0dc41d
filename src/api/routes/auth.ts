import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { hashPassword, minPasswordLength } from '../../auth/passwords.ts';
import { csrfCookie, defaultAuthSettings, sessionCookie } from '../../auth/settings.ts';
import { checkSignInSeat } from '../../quotas/enforce.ts';
import { quotaExceeded } from '../middleware/quota.ts';
import { createSession, findSessionById, markSteppedUp, revokeSession, revokeUserSessions } from '../../db/repositories/sessions.ts';
import { findUserByEmail, findUserById, listMemberships, setUserPassword, type User } from '../../db/repositories/users.ts';
import { roles } from '../../db/schema/index.ts';
import type { ApiDeps, AppEnv } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { checkPassword, clientAddress, limitedAddress } from './auth-checks.ts';
import { checkTotpCode, totpCodeSchema } from './auth-totp.ts';
import { createRouter } from '../router.ts';

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const userSchema = z
  .object({ id: z.uuid(), email: z.string(), display_name: z.string(), platform_admin: z.boolean(), totp_enabled: z.boolean() })
  .openapi('SignedInUser');
const membershipSchema = z.object({ id: z.uuid(), name: z.string(), role: z.enum(roles) });

const signInSchema = z
  .object({
    user: userSchema,
    /** Sent back in x-csrf-token on every change; also in the readable cutover_csrf cookie. */
    csrf_token: z.string(),
    expires_at: z.string(),
    workspaces: z.array(membershipSchema),
  })
  .openapi('SignIn');

const meSchema = z
  .object({
    kind: z.enum(['service-token', 'personal-token', 'session']),
    actor: z.string(),
    user: userSchema.nullable(),
    workspace: membershipSchema,
    environment_roles: z.record(z.string(), z.enum(roles)),
    /** Until when step-up actions are allowed without confirming the password again; null for tokens. */
    step_up_until: z.string().nullable(),
    session_expires_at: z.string().nullable(),
    workspaces: z.array(membershipSchema),
  })
  .openapi('Me');

const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  summary: 'Sign in with email and password: sets the session cookie and answers the CSRF token',
  request: {
    body: { required: true, ...json(z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }).strict()) },
  },
  responses: {
    200: { description: 'Signed in', ...json(signInSchema) },
    ...errorResponses(400, 401, 422, 429),
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/me',
  summary: 'Who the caller is, where they act, and their workspaces',
  security,
  responses: { 200: { description: 'The caller', ...json(meSchema) }, ...errorResponses(401) },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  summary: 'End this browser session',
  security,
  responses: { 204: { description: 'Signed out' }, ...errorResponses(401, 403) },
});

const logoutEverywhereRoute = createRoute({
  method: 'post',
  path: '/logout-everywhere',
  summary: "End every session of the signed-in user, this one included",
  security,
  responses: { 200: { description: 'Signed out everywhere', ...json(z.object({ ended_sessions: z.number().int() })) }, ...errorResponses(401, 403) },
});

const stepUpRoute = createRoute({
  method: 'post',
  path: '/step-up',
  summary: 'Confirm the password or a TOTP code again, so step-up actions (deleting a workspace, revealing a secret) are allowed for a while',
  security,
  request: {
    body: {
      required: true,
      ...json(
        z
          .object({ password: z.string().min(1).max(1024).optional(), code: totpCodeSchema.optional() })
          .strict()
          .refine((body) => (body.password === undefined) !== (body.code === undefined), 'send either password or code (a TOTP code)'),
      ),
    },
  },
  responses: {
    200: { description: 'Stepped up', ...json(z.object({ step_up_until: z.string() })) },
    ...errorResponses(400, 401, 403, 422, 429),
  },
});

const passwordRoute = createRoute({
  method: 'post',
  path: '/password',
  summary: "Change the signed-in user's password; every other session of theirs ends",
  security,
  request: {
    body: {
      required: true,
      ...json(z.object({ current_password: z.string().min(1).max(1024), new_password: z.string().min(minPasswordLength).max(1024) }).strict()),
    },
  },
  responses: { 204: { description: 'Changed' }, ...errorResponses(400, 401, 403, 422, 429) },
});

function userBody(user: User) {
  return { id: user.id, email: user.email, display_name: user.displayName, platform_admin: user.platformAdmin, totp_enabled: user.totpEnabledAt !== null };
}

async function membershipsOf(deps: ApiDeps, userId: string) {
  const rows = await listMemberships(deps.db, userId);
  return rows.map(({ member, workspace }) => ({ id: workspace.id, name: workspace.name, role: member.role }));
}

/** POST /auth/login: mounted ahead of authentication, since whoever calls it has no session yet. */
export function signInRoutes(deps: ApiDeps) {
  const settings = deps.auth ?? defaultAuthSettings;
  return createRouter().openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    c.set('audit', { action: 'auth.login', target: email });
    const user = await checkPassword(deps, settings, c, await findUserByEmail(deps.db, email), password);
    if (deps.quotas !== false) {
      const refusal = await checkSignInSeat(deps.db, user, await listMemberships(deps.db, user.id), { idleMs: settings.sessions.idleMs });
      if (refusal) throw quotaExceeded(refusal);
    }
    const { session, token, csrfToken } = await createSession(deps.db, {
      userId: user.id,
      lifetimes: settings.sessions,
      steppedUp: user.totpEnabledAt === null,
      ip: clientAddress(c),
      userAgent: c.req.header('user-agent')?.slice(0, 500),
    });
    const secure = settings.secureCookies || new URL(c.req.url).protocol === 'https:';
    const maxAge = Math.floor(settings.sessions.absoluteMs / 1000);
    setCookie(c, sessionCookie, token, { httpOnly: true, secure, sameSite: 'Lax', path: '/', maxAge });
    // Readable by the dashboard's script (double submit); worthless without the HttpOnly session cookie.
    setCookie(c, csrfCookie, csrfToken, { httpOnly: false, secure, sameSite: 'Lax', path: '/', maxAge });
    c.set('audit', { action: 'auth.login', target: user.email, details: { user_id: user.id, session_id: session.id } });
    return c.json(
      { user: userBody(user), csrf_token: csrfToken, expires_at: session.expiresAt.toISOString(), workspaces: await membershipsOf(deps, user.id) },
      200,
    );
  });
}

/** The signed-in person behind a session; 403 for tokens, which these routes are not for. */
function sessionOf(c: Context<AppEnv>): { sessionId: string; userId: string } {
  const caller = callerOf(c);
  if (caller.kind !== 'session' || !caller.sessionId || !caller.userId) {
    throw new ApiError(403, 'session_required', 'this route is for a signed-in browser session; tokens cannot use it');
  }
  return { sessionId: caller.sessionId, userId: caller.userId };
}

function clearCookies(c: Context<AppEnv>) {
  deleteCookie(c, sessionCookie, { path: '/' });
  deleteCookie(c, csrfCookie, { path: '/' });
}

/** The routes of a signed-in caller, behind authentication (cookie mutations carry the CSRF token). */
export function sessionRoutes(deps: ApiDeps) {
  const settings = deps.auth ?? defaultAuthSettings;
  return createRouter()
    .openapi(meRoute, async (c) => {
      const caller = callerOf(c);
      const user = caller.userId ? await findUserById(deps.db, caller.userId) : undefined;
      const session = caller.sessionId ? await findSessionById(deps.db, caller.sessionId) : undefined;
      const stepUpUntil = caller.stepUpAt ? new Date(caller.stepUpAt.getTime() + settings.stepUpMs).toISOString() : null;
      return c.json(
        {
          kind: caller.kind,
          actor: caller.actor,
          user: user ? userBody(user) : null,
          workspace: { id: caller.workspaceId, name: caller.workspaceName, role: caller.role },
          environment_roles: caller.environmentRoles,
          step_up_until: stepUpUntil,
          session_expires_at: session?.expiresAt.toISOString() ?? null,
          workspaces: user ? await membershipsOf(deps, user.id) : [{ id: caller.workspaceId, name: caller.workspaceName, role: caller.role }],
        },
        200,
      );
    })
    .openapi(logoutRoute, async (c) => {
      const { sessionId } = sessionOf(c);
      await revokeSession(deps.db, sessionId);
      clearCookies(c);
      c.set('audit', { action: 'auth.logout', target: callerOf(c).actor, details: { session_id: sessionId } });
      return c.body(null, 204);
    })
    .openapi(logoutEverywhereRoute, async (c) => {
      const { userId } = sessionOf(c);
      const ended = await revokeUserSessions(deps.db, userId);
      clearCookies(c);
      c.set('audit', { action: 'auth.logout_everywhere', target: callerOf(c).actor, details: { ended_sessions: ended } });
      return c.json({ ended_sessions: ended }, 200);
    })
    .openapi(stepUpRoute, async (c) => {
      const { sessionId, userId } = sessionOf(c);
      const body = c.req.valid('json');
      c.set('audit', { action: 'auth.step_up', target: callerOf(c).actor, details: { with: body.code === undefined ? 'password' : 'totp' } });
      const user = await findUserById(deps.db, userId);
      if (body.code !== undefined) await checkTotpCode(deps, settings, c, user!, body.code, await limitedAddress(deps, settings, c));
      else if (user?.totpEnabledAt) {
        // With TOTP on, the password is the factor a phisher has: step-up needs the code.
        throw new ApiError(403, 'totp_required', 'you turned TOTP on: step up with { code } from your authenticator, not the password');
      } else await checkPassword(deps, settings, c, user, body.password!);
      const now = new Date();
      await markSteppedUp(deps.db, sessionId, now);
      return c.json({ step_up_until: new Date(now.getTime() + settings.stepUpMs).toISOString() }, 200);
    })
    .openapi(passwordRoute, async (c) => {
      const { sessionId, userId } = sessionOf(c);
      const body = c.req.valid('json');
      c.set('audit', { action: 'auth.password_change', target: callerOf(c).actor });
      const user = await checkPassword(deps, settings, c, await findUserById(deps.db, userId), body.current_password);
      await setUserPassword(deps.db, user.id, await hashPassword(body.new_password));
      const ended = await revokeUserSessions(deps.db, user.id, { except: sessionId });
      c.set('audit', { action: 'auth.password_change', target: user.email, details: { ended_sessions: ended } });
      return c.body(null, 204);
    });
}

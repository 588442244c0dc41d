import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { clearAccountFailures, countAccountFailure, countAddressFailure } from '../../auth/login-limits.ts';
import { defaultAuthSettings, type AuthSettings } from '../../auth/settings.ts';
import { newTotpSecret, openSecret, sealSecret, totpStep } from '../../auth/totp.ts';
import { claimTotpStep, enableTotp, findUserById, setTotpSecret, type User } from '../../db/repositories/users.ts';
import type { ApiDeps, AppEnv } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { requireStepUp } from '../middleware/step-up.ts';
import { createRouter } from '../router.ts';

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
export const totpCodeSchema = z.string().regex(/^\d{6}$/, 'six digits');

/** The signed-in person; 403 for tokens (they have no second factor to enrol). */
function personOf(c: Context<AppEnv>): { sessionId: string; userId: string } {
  const caller = callerOf(c);
  if (caller.kind !== 'session' || !caller.sessionId || !caller.userId) {
    throw new ApiError(403, 'session_required', 'this route is for a signed-in browser session; tokens cannot use it');
  }
  return { sessionId: caller.sessionId, userId: caller.userId };
}

function keysOf(deps: ApiDeps) {
  if (!deps.payloadKeys?.length) throw new ApiError(503, 'totp_unavailable', 'TOTP needs the platform payload keys (CUTOVER_PAYLOAD_KEYS) to keep secrets sealed');
  return deps.payloadKeys;
}

/**
 * Checks a TOTP code of a user with TOTP turned on: valid within one 30-second step and not used before (a
 * replayed code is refused). A wrong code counts against the account like a wrong password (5 lock it).
 */
export async function checkTotpCode(deps: ApiDeps, settings: AuthSettings, c: Context<AppEnv>, user: User, code: string, address?: string): Promise<void> {
  if (!user.totpEnabledAt || !user.totpSecret) throw new ApiError(409, 'totp_not_enabled', 'TOTP is not turned on for you: step up with your password, or enrol at POST /api/v1/auth/totp');
  if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
    c.header('Retry-After', String(Math.max(1, Math.ceil((user.lockedUntil.getTime() - Date.now()) / 1000))));
    throw new ApiError(429, 'account_locked', `the account is locked after ${settings.login.maxFailures} failed attempts: try again after ${user.lockedUntil.toISOString()}`, {
      reset_at: user.lockedUntil.toISOString(),
    });
  }
  const step = totpStep(await openSecret(keysOf(deps), user.totpSecret), code);
  if (step !== null && (await claimTotpStep(deps.db, user.id, step))) {
    if (user.failedLogins > 0) await clearAccountFailures(deps.db, user.id);
    return;
  }
  // A wrong code counts like a wrong password: against the account and against the address.
  if (address !== undefined) await countAddressFailure(deps.db, address, settings.login);
  const locked = await countAccountFailure(deps.db, user.id, settings.login);
  if (locked) throw new ApiError(429, 'account_locked', `the account is locked after ${settings.login.maxFailures} failed attempts: try again after ${locked.toISOString()}`, { reset_at: locked.toISOString() });
  throw new ApiError(401, 'invalid_totp_code', step === null ? 'wrong or expired TOTP code' : 'this TOTP code was used already: wait for the next one');
}

const enrolRoute = (settings: AuthSettings) =>
  createRoute({
    method: 'post',
    path: '/totp',
    summary: 'Start TOTP enrolment (needs step-up): answers the secret and its otpauth:// URI once; confirm with a code',
    security,
    middleware: [requireStepUp(settings)] as const,
    responses: {
      201: { description: 'Pending until confirmed', ...json(z.object({ secret: z.string(), otpauth_uri: z.string() })) },
      ...errorResponses(401, 403, 409, 503),
    },
  });

const confirmRoute = createRoute({
  method: 'post',
  path: '/totp/confirm',
  summary: 'Turn TOTP on with a code from the authenticator the secret went into',
  security,
  request: { body: { required: true, ...json(z.object({ code: totpCodeSchema }).strict()) } },
  responses: { 200: { description: 'TOTP is on', ...json(z.object({ totp_enabled: z.literal(true) })) }, ...errorResponses(400, 401, 403, 409, 422, 503) },
});

const removeRoute = (settings: AuthSettings) =>
  createRoute({
    method: 'delete',
    path: '/totp',
    summary: 'Turn TOTP off (needs step-up)',
    security,
    middleware: [requireStepUp(settings)] as const,
    responses: { 204: { description: 'TOTP is off' }, ...errorResponses(401, 403) },
  });

/** TOTP enrolment of the signed-in person: start, confirm, remove. */
export function totpRoutes(deps: ApiDeps) {
  const settings = deps.auth ?? defaultAuthSettings;
  return createRouter()
    .openapi(enrolRoute(settings), async (c) => {
      const { userId } = personOf(c);
      c.set('audit', { action: 'auth.totp_enrol', target: callerOf(c).actor });
      const user = await findUserById(deps.db, userId);
      if (!user) throw ApiError.notFound(`user ${userId}`);
      if (user.totpEnabledAt) throw ApiError.conflict('TOTP is on already: turn it off first (DELETE /api/v1/auth/totp) to enrol another authenticator');
      const { secret, uri } = newTotpSecret(user.email);
      await setTotpSecret(deps.db, user.id, await sealSecret(keysOf(deps), secret));
      return c.json({ secret, otpauth_uri: uri }, 201);
    })
    .openapi(confirmRoute, async (c) => {
      const { userId } = personOf(c);
      c.set('audit', { action: 'auth.totp_confirm', target: callerOf(c).actor });
      const user = await findUserById(deps.db, userId);
      if (!user?.totpSecret || user.totpEnabledAt) throw ApiError.conflict('no TOTP enrolment is pending: start one at POST /api/v1/auth/totp');
      const step = totpStep(await openSecret(keysOf(deps), user.totpSecret), c.req.valid('json').code);
      if (step === null || !(await claimTotpStep(deps.db, user.id, step))) {
        throw new ApiError(422, 'invalid_totp_code', 'that code does not match the secret: check the authenticator app and its clock, and try the next code');
      }
      if (!(await enableTotp(deps.db, user.id, user.totpSecret))) throw ApiError.conflict('the enrolment changed while this code was checked: start again');
      c.set('audit', { action: 'auth.totp_confirm', target: user.email, details: { before: { totp_enabled: false }, after: { totp_enabled: true } } });
      return c.json({ totp_enabled: true as const }, 200);
    })
    .openapi(removeRoute(settings), async (c) => {
      const { userId } = personOf(c);
      const user = await findUserById(deps.db, userId);
      await setTotpSecret(deps.db, userId, null);
      c.set('audit', { action: 'auth.totp_remove', target: callerOf(c).actor, details: { before: { totp_enabled: Boolean(user?.totpEnabledAt) }, after: { totp_enabled: false } } });
      return c.body(null, 204);
    });
}

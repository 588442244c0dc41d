import { createMiddleware } from 'hono/factory';
import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import { isUuid } from '../../lib/uuid.ts';
import { atLeast, lowerRole, roleInEnvironment } from '../../auth/roles.ts';
import { csrfHeader, defaultAuthSettings, sessionCookie, workspaceHeader, type AuthSettings } from '../../auth/settings.ts';
import { csrfTokenMatches, findLiveSession } from '../../db/repositories/sessions.ts';
import { findMembership, findUserById, listMemberships, type User } from '../../db/repositories/users.ts';
import { findActiveToken, findWorkspaceById, findWorkspaceByName } from '../../db/repositories/workspaces.ts';
import type { Database } from '../../db/client.ts';
import type { Role } from '../../db/schema/index.ts';
import { defaultWorkspaceName } from '../../bootstrap.ts';
import type { AppEnv, Caller } from '../context.ts';
import { ApiError } from '../errors.ts';

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller: `Authorization: Bearer <token>` (a workspace's service token, or a user's personal token
 * capped by the user's role), else the browser session cookie; 401 otherwise. A cookie-authenticated mutation
 * must carry the session's CSRF token in `x-csrf-token` (403 otherwise): a browser sends cookies by itself, so a
 * cookie alone proves nothing about who wrote the request. With `cookie`, a request without an Authorization
 * header may carry a token in that cookie instead (only the codec endpoints accept one).
 */
export function authenticate(db: Database, options: { cookie?: string; settings?: AuthSettings } = {}) {
  const settings = options.settings ?? defaultAuthSettings;
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    const token = header === undefined && options.cookie ? getCookie(c, options.cookie) : /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (token) {
      c.set('caller', await tokenCaller(db, token));
    } else if (header === undefined && !options.cookie && getCookie(c, sessionCookie)) {
      c.set('caller', await sessionCaller(db, c, getCookie(c, sessionCookie)!, settings));
    } else {
      throw new ApiError(401, 'unauthorized', 'missing bearer token or session: send Authorization: Bearer <token>, or sign in at POST /api/v1/auth/login');
    }
    await next();
  });
}

async function tokenCaller(db: Database, token: string): Promise<Caller> {
  const found = await findActiveToken(db, token);
  if (!found) throw new ApiError(401, 'unauthorized', 'unknown or revoked token');
  const base = { actor: found.token.name, tokenId: found.token.id, stepUpAt: null, workspaceId: found.workspace.id, workspaceName: found.workspace.name };
  if (!found.token.userId) {
    return { ...base, kind: 'service-token', role: found.token.role, environmentRoles: {}, platformAdmin: found.token.platformAdmin };
  }
  // A personal token acts as its user and never above them: removing the member, or lowering their role, caps it at once.
  const [user, member] = await Promise.all([findUserById(db, found.token.userId), findMembership(db, found.workspace.id, found.token.userId)]);
  if (!user || user.disabledAt) throw new ApiError(401, 'unauthorized', "the token's user is disabled");
  if (!member && !user.platformAdmin) throw new ApiError(401, 'unauthorized', `the token's user is no longer a member of workspace ${found.workspace.name}`);
  return {
    ...base,
    kind: 'personal-token',
    actor: user.email,
    userId: user.id,
    role: member ? lowerRole(found.token.role, member.role) : found.token.role,
    environmentRoles: member?.environmentRoles ?? {},
    platformAdmin: found.token.platformAdmin && user.platformAdmin,
  };
}

async function sessionCaller(db: Database, c: Context<AppEnv>, cookie: string, settings: AuthSettings): Promise<Caller> {
  const found = await findLiveSession(db, cookie, settings.sessions);
  if (!found) throw new ApiError(401, 'unauthorized', 'the session ended (signed out, expired or idle for too long): sign in again');
  if (!readOnly.has(c.req.method) && !csrfTokenMatches(found.session, c.req.header(csrfHeader))) {
    throw new ApiError(403, 'csrf_failed', `a signed-in browser's change must carry the session's CSRF token in the ${csrfHeader} header`);
  }
  const { user, session } = found;
  const { workspace, role, environmentRoles } = await sessionWorkspace(db, user, c.req.header(workspaceHeader));
  return {
    kind: 'session',
    actor: user.email,
    sessionId: session.id,
    userId: user.id,
    role,
    environmentRoles,
    platformAdmin: user.platformAdmin,
    stepUpAt: session.stepUpAt,
    workspaceId: workspace.id,
    workspaceName: workspace.name,
  };
}

/**
 * The workspace a signed-in user acts in: the one the workspace header names, else their oldest membership. A
 * platform admin may act in any live workspace, as its owner; with no membership they act in the default one.
 */
async function sessionWorkspace(
  db: Database,
  user: User,
  named: string | undefined,
): Promise<{ workspace: { id: string; name: string }; role: Role; environmentRoles: Record<string, Role> }> {
  if (named !== undefined) {
    const workspace = isUuid(named) ? await findWorkspaceById(db, named) : await findWorkspaceByName(db, named);
    const member = workspace ? await findMembership(db, workspace.id, user.id) : undefined;
    if (workspace && member) return { workspace, role: member.role, environmentRoles: member.environmentRoles };
    if (workspace && user.platformAdmin) return { workspace, role: 'owner', environmentRoles: {} };
    throw new ApiError(403, 'forbidden', `you are not a member of workspace ${named}`);
  }
  const [first] = await listMemberships(db, user.id);
  if (first) return { workspace: first.workspace, role: first.member.role, environmentRoles: first.member.environmentRoles };
  const fallback = user.platformAdmin ? await findWorkspaceByName(db, defaultWorkspaceName) : undefined;
  if (fallback) return { workspace: fallback, role: 'owner', environmentRoles: {} };
  throw new ApiError(403, 'no_workspace', 'you are not a member of any workspace: ask a workspace admin to add you');
}

/** 403 unless the caller's role in the workspace is at least `minimum`. */
export function requireRole(minimum: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = callerOf(c);
    if (!atLeast(caller.role, minimum)) {
      throw new ApiError(403, 'forbidden', `this action needs the ${minimum} role; you have ${caller.role}`);
    }
    await next();
  });
}

/**
 * 403 unless the caller's role in `environment` is at least `minimum`: routes that act on one environment call it
 * once they know which, after requireRole checked the workspace role.
 */
export function assertEnvironmentRole(caller: Caller, environment: string, minimum: Role): void {
  const role = roleInEnvironment(caller.role, caller.environmentRoles, environment);
  if (!atLeast(role, minimum)) {
    throw new ApiError(403, 'forbidden', `this action needs the ${minimum} role in ${environment}; you have ${role} there`);
  }
}

/** 403 unless the caller is a platform admin (the bootstrap admin, and tokens it made platform admins). */
export function requirePlatformAdmin() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!callerOf(c).platformAdmin) throw new ApiError(403, 'forbidden', 'this action needs a platform admin; workspace roles do not grant it');
    await next();
  });
}

/** The authenticated caller; routes under /api/v1 always have one. */
export function callerOf(c: Context<AppEnv>): Caller {
  const caller = c.get('caller');
  if (!caller) throw new ApiError(401, 'unauthorized', 'missing bearer token');
  return caller;
}

import { createMiddleware } from 'hono/factory';
import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import { findActiveToken } from '../../db/repositories/workspaces.ts';
import type { Database } from '../../db/client.ts';
import type { Role } from '../../db/schema/index.ts';
import type { AppEnv, Caller } from '../context.ts';
import { ApiError } from '../errors.ts';

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * Resolves `Authorization: Bearer <token>` to a caller bound to one workspace; 401 otherwise. With `cookie`, a
 * request without an Authorization header may carry the same token in that cookie instead (only the codec
 * endpoints accept one: a browser sends cookies by itself, so no other route may).
 */
export function authenticate(db: Database, options: { cookie?: string } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    const token = header === undefined && options.cookie ? getCookie(c, options.cookie) : /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!token) throw new ApiError(401, 'unauthorized', 'missing bearer token');
    const found = await findActiveToken(db, token);
    if (!found) throw new ApiError(401, 'unauthorized', 'unknown or revoked token');
    c.set('caller', {
      tokenId: found.token.id,
      tokenName: found.token.name,
      role: found.token.role,
      platformAdmin: found.token.platformAdmin,
      workspaceId: found.workspace.id,
      workspaceName: found.workspace.name,
    });
    await next();
  });
}

/** 403 unless the caller's role is at least `minimum`. */
export function requireRole(minimum: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = callerOf(c);
    if (rank[caller.role] < rank[minimum]) {
      throw new ApiError(403, 'forbidden', `this action needs the ${minimum} role; the token has ${caller.role}`);
    }
    await next();
  });
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

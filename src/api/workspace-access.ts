import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { atLeast } from '../auth/roles.ts';
import { findMembership } from '../db/repositories/users.ts';
import { findWorkspaceById, type Workspace } from '../db/repositories/workspaces.ts';
import type { Executor } from '../db/client.ts';
import type { Role } from '../db/schema/index.ts';
import { isUuid } from '../lib/uuid.ts';
import type { AppEnv, Caller } from './context.ts';
import { ApiError } from './errors.ts';
import { callerOf } from './middleware/auth.ts';

/** The caller's standing in one workspace that a `/workspaces/{id}/...` path names. */
export interface WorkspaceAccess {
  workspace: Workspace;
  /** The caller's role there (a platform admin acts as its owner). */
  role: Role;
  /** Narrower roles in named environments of that workspace. */
  environmentRoles: Record<string, Role>;
}

/**
 * The caller's role in workspace `workspaceId` (a live one): a platform admin may act in any, as its owner; a
 * token only in its own; a signed-in user by their membership of it. 404 otherwise, so that a caller learns
 * nothing of the workspaces it does not belong to.
 */
export async function workspaceRoleOf(deps: { db: Executor }, caller: Caller, workspaceId: string): Promise<WorkspaceAccess> {
  const missing = ApiError.notFound(`workspace ${workspaceId}`);
  if (!isUuid(workspaceId)) throw missing;
  if (!caller.platformAdmin && caller.kind !== 'session' && caller.workspaceId !== workspaceId) throw missing;
  const workspace = await findWorkspaceById(deps.db, workspaceId);
  if (!workspace) throw missing;
  if (caller.platformAdmin) return { workspace, role: 'owner', environmentRoles: {} };
  // Tokens and a session acting in this very workspace already carry their (capped) role.
  if (caller.workspaceId === workspaceId) return { workspace, role: caller.role, environmentRoles: caller.environmentRoles };
  const member = caller.userId ? await findMembership(deps.db, workspaceId, caller.userId) : undefined;
  if (!member) throw missing;
  return { workspace, role: member.role, environmentRoles: member.environmentRoles };
}

/** 403 unless `access.role` is at least `minimum`. */
export function assertWorkspaceRole(access: WorkspaceAccess, minimum: Role): void {
  if (!atLeast(access.role, minimum)) {
    throw new ApiError(403, 'forbidden', `this action needs the ${minimum} role in workspace ${access.workspace.name}; you have ${access.role}`);
  }
}

/**
 * Route middleware for `/workspaces/{id}/...`: 404 unless the caller may see workspace `{param}`, 403 unless
 * their role there is at least `minimum`; handlers read the result with `c.get('workspaceAccess')`.
 */
export function requireWorkspaceRole(deps: { db: Executor }, minimum: Role, param = 'id') {
  return createMiddleware<AppEnv>(async (c, next) => {
    const access = await workspaceRoleOf(deps, callerOf(c), c.req.param(param) ?? '');
    assertWorkspaceRole(access, minimum);
    c.set('workspaceAccess', access);
    await next();
  });
}

/** What requireWorkspaceRole found; it throws when the route has not run it, so a handler cannot forget it. */
export function workspaceAccessOf(c: Context<AppEnv>): WorkspaceAccess {
  const access = c.get('workspaceAccess');
  if (!access) throw new Error('requireWorkspaceRole did not run on this route');
  return access;
}

import { roles, type Role } from '../db/schema/index.ts';

const rank = Object.fromEntries(roles.map((role, index) => [role, index])) as Record<Role, number>;

/** Whether `role` is at least `minimum` (owner > admin > operator > viewer). */
export function atLeast(role: Role, minimum: Role): boolean {
  return rank[role] >= rank[minimum];
}

/** The lower of two roles: a personal token is capped by its user's role, an environment narrows a member's. */
export function lowerRole(a: Role, b: Role): Role {
  return rank[a] <= rank[b] ? a : b;
}

/** A member's role in one environment: the workspace role, narrowed where the environment names a lower one. */
export function roleInEnvironment(workspaceRole: Role, environmentRoles: Record<string, Role>, environment: string): Role {
  const narrowed = environmentRoles[environment];
  return narrowed === undefined ? workspaceRole : lowerRole(workspaceRole, narrowed);
}

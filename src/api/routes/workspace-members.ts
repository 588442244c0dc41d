import { createRoute, z } from '@hono/zod-openapi';
import { atLeast } from '../../auth/roles.ts';
import type { Executor } from '../../db/client.ts';
import { countOwners, deleteMember, findMember, insertMember, listMembers, lockWorkspaceMembers, updateMember, type MemberWithUser } from '../../db/repositories/members.ts';
import { findUserById } from '../../db/repositories/users.ts';
import { roles, type Role } from '../../db/schema/index.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema, slugSchema } from '../schemas.ts';
import { assertWorkspaceRole, requireWorkspaceRole, workspaceAccessOf, type WorkspaceAccess } from '../workspace-access.ts';

const roleSchema = z.enum(roles);
/** Narrower roles in named environments: `{ "production": "viewer" }`; the effective role is the lower one. */
const environmentRolesSchema = z.record(slugSchema, roleSchema).refine((value) => Object.keys(value).length <= 50, 'at most 50 environments');

const memberSchema = z
  .object({
    user_id: z.uuid(),
    email: z.string(),
    display_name: z.string(),
    role: roleSchema,
    environment_roles: z.record(z.string(), roleSchema),
  })
  .openapi('WorkspaceMember');

const memberParams = idParamSchema.extend({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) });
const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const listRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'get',
    path: '/{id}/users',
    summary: "A workspace's members and their roles (any member)",
    security,
    middleware: [requireWorkspaceRole(deps, 'viewer')] as const,
    request: { params: idParamSchema },
    responses: { 200: { description: 'Members', ...json(z.object({ items: z.array(memberSchema) })) }, ...errorResponses(401, 404, 422) },
  });

const addRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'post',
    path: '/{id}/users',
    summary: 'Add a user to a workspace (its admins and owners; only an owner grants owner)',
    security,
    middleware: [requireWorkspaceRole(deps, 'admin')] as const,
    request: {
      params: idParamSchema,
      body: { required: true, ...json(z.object({ user_id: z.uuid(), role: roleSchema, environment_roles: environmentRolesSchema.default({}) }).strict()) },
    },
    responses: { 201: { description: 'Added', ...json(memberSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
  });

const patchRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'patch',
    path: '/{id}/users/{userId}',
    summary: "Change a member's role or per-environment roles (admins and owners; owners' roles only by an owner)",
    security,
    middleware: [requireWorkspaceRole(deps, 'admin')] as const,
    request: {
      params: memberParams,
      body: {
        required: true,
        ...json(
          z
            .object({ role: roleSchema.optional(), environment_roles: environmentRolesSchema.optional() })
            .strict()
            .refine((body) => body.role !== undefined || body.environment_roles !== undefined, 'nothing to change'),
        ),
      },
    },
    responses: { 200: { description: 'Changed', ...json(memberSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
  });

const removeRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'delete',
    path: '/{id}/users/{userId}',
    summary: 'Remove a member (admins and owners), or leave (any member); the last owner can do neither',
    security,
    middleware: [requireWorkspaceRole(deps, 'viewer')] as const,
    request: { params: memberParams },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409, 422) },
  });

function toMemberBody(row: MemberWithUser): z.infer<typeof memberSchema> {
  return { user_id: row.member.userId, email: row.email, display_name: row.displayName, role: row.member.role, environment_roles: row.member.environmentRoles };
}

const snapshot = (row: MemberWithUser | undefined) => (row ? { role: row.member.role, environment_roles: row.member.environmentRoles } : null);

/** Only an owner (or a platform admin, who acts as one) makes owners, or changes or removes one. */
function assertMayTouchOwners(access: WorkspaceAccess, what: string): void {
  if (!atLeast(access.role, 'owner')) throw new ApiError(403, 'forbidden', `only an owner may ${what}; you are ${access.role}`);
}

/** 409 when the change would leave the workspace with no owner. Call it inside the locked transaction. */
async function assertOwnerRemains(tx: Executor, workspaceId: string, member: MemberWithUser, newRole: Role | undefined): Promise<void> {
  if (member.member.role !== 'owner' || newRole === 'owner') return;
  if ((await countOwners(tx, workspaceId)) <= 1) {
    throw ApiError.conflict('this is the workspace\'s last owner: make another member owner first', { last_owner: member.member.userId });
  }
}

export function workspaceMemberRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(listRoute(deps), async (c) => {
      const { workspace } = workspaceAccessOf(c);
      return c.json({ items: (await listMembers(deps.db, workspace.id)).map(toMemberBody) }, 200);
    })
    .openapi(addRoute(deps), async (c) => {
      const access = workspaceAccessOf(c);
      const body = c.req.valid('json');
      if (body.role === 'owner') assertMayTouchOwners(access, 'grant the owner role');
      const user = await findUserById(deps.db, body.user_id);
      if (!user) throw ApiError.notFound(`user ${body.user_id}`);
      const added = await insertMember(deps.db, { workspaceId: access.workspace.id, userId: user.id, role: body.role, environmentRoles: body.environment_roles });
      if (!added) throw ApiError.conflict(`${user.email} is a member already: change their role with PATCH`);
      const row = { member: added, email: user.email, displayName: user.displayName };
      c.set('audit', { action: 'workspace.member.add', target: `workspace/${access.workspace.id}/users/${user.id}`, details: { before: null, after: snapshot(row) } });
      return c.json(toMemberBody(row), 201);
    })
    .openapi(patchRoute(deps), async (c) => {
      const access = workspaceAccessOf(c);
      const { userId } = c.req.valid('param');
      const body = c.req.valid('json');
      const { before, after } = await deps.db.transaction(async (tx) => {
        await lockWorkspaceMembers(tx, access.workspace.id);
        const member = await findMember(tx, access.workspace.id, userId);
        if (!member) throw ApiError.notFound(`member ${userId}`);
        if (member.member.role === 'owner' || body.role === 'owner') assertMayTouchOwners(access, "change an owner's role or grant owner");
        await assertOwnerRemains(tx, access.workspace.id, member, body.role ?? member.member.role);
        const changed = await updateMember(tx, access.workspace.id, userId, { role: body.role, environmentRoles: body.environment_roles });
        return { before: member, after: { ...member, member: changed! } };
      });
      c.set('audit', { action: 'workspace.member.update', target: `workspace/${access.workspace.id}/users/${userId}`, details: { before: snapshot(before), after: snapshot(after) } });
      return c.json(toMemberBody(after), 200);
    })
    .openapi(removeRoute(deps), async (c) => {
      const access = workspaceAccessOf(c);
      const { userId } = c.req.valid('param');
      const leaving = callerOf(c).userId === userId;
      if (!leaving) assertWorkspaceRole(access, 'admin');
      const before = await deps.db.transaction(async (tx) => {
        await lockWorkspaceMembers(tx, access.workspace.id);
        const member = await findMember(tx, access.workspace.id, userId);
        if (!member) throw ApiError.notFound(`member ${userId}`);
        if (!leaving && member.member.role === 'owner') assertMayTouchOwners(access, 'remove an owner');
        await assertOwnerRemains(tx, access.workspace.id, member, undefined);
        await deleteMember(tx, access.workspace.id, userId);
        return member;
      });
      c.set('audit', {
        action: leaving ? 'workspace.member.leave' : 'workspace.member.remove',
        target: `workspace/${access.workspace.id}/users/${userId}`,
        details: { before: snapshot(before), after: null },
      });
      return c.body(null, 204);
    });
}

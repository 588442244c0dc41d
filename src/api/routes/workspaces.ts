import { createRoute, z } from '@hono/zod-openapi';
import { createApiToken } from '../../db/repositories/workspaces.ts';
import { memberWorkspaceIds } from '../../db/repositories/members.ts';
import {
  findWorkspaceAnyState,
  findWorkspaceHoldingName,
  insertWorkspace,
  listWorkspaceRows,
  updateWorkspace,
} from '../../db/repositories/workspace-lifecycle.ts';
import type { Executor } from '../../db/client.ts';
import { quotasFromBody, workspaceQuotasSchema } from '../../quotas/limits.ts';
import type { ApiDeps, Caller } from '../context.ts';
import { createRouter } from '../router.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf, requirePlatformAdmin } from '../middleware/auth.ts';
import { idParamSchema } from '../schemas.ts';
import { workspaceBodies, workspaceBody, workspaceSchema } from '../serializers/workspaces.ts';
import { requireWorkspaceRole, workspaceAccessOf, workspaceRoleOf } from '../workspace-access.ts';
import { workspaceLifecycleRoutes } from './workspace-lifecycle.ts';
import { workspaceMemberRoutes } from './workspace-members.ts';
import { workspaceQuotaRoutes } from './workspace-quotas.ts';

/** Unique among all workspaces whatever the case; letters of either case, digits and "-". */
export const workspaceNameSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/, 'letters, digits and "-", starting and ending with a letter or digit');
const descriptionSchema = z.string().max(1000);
const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "Workspaces: a platform admin's are all (deleted=true: the deleted, restorable ones); others see those they belong to",
  security,
  request: { query: z.object({ deleted: z.enum(['true', 'false']).optional() }) },
  responses: { 200: { description: 'Workspaces', ...json(z.object({ items: z.array(workspaceSchema) })) }, ...errorResponses(401, 403, 422) },
});

const createWorkspaceRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a workspace and its first admin token (platform admins); it may touch nothing until it is bound',
  security,
  middleware: [requirePlatformAdmin()] as const,
  request: {
    body: {
      required: true,
      ...json(z.object({ name: workspaceNameSchema, description: descriptionSchema.default(''), quotas: workspaceQuotasSchema.default({}) }).strict()),
    },
  },
  responses: {
    201: { description: 'Created; the admin token is shown only here', ...json(z.object({ workspace: workspaceSchema, admin_token: z.string() })) },
    ...errorResponses(400, 401, 403, 409, 422),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One workspace (members: theirs; platform admins: any, deleted ones too)',
  security,
  request: { params: idParamSchema },
  responses: { 200: { description: 'The workspace', ...json(workspaceSchema) }, ...errorResponses(401, 404, 422) },
});

const patchRoute = (deps: ApiDeps) =>
  createRoute({
  method: 'patch',
  path: '/{id}',
  summary: "Rename a workspace or change its description (the workspace's admins and owners)",
  security,
  middleware: [requireWorkspaceRole(deps, 'admin')] as const,
  request: {
    params: idParamSchema,
    body: {
      required: true,
      ...json(
        z
          .object({ name: workspaceNameSchema.optional(), description: descriptionSchema.optional() })
          .strict()
          .refine((body) => body.name !== undefined || body.description !== undefined, 'nothing to change'),
      ),
    },
  },
  responses: { 200: { description: 'Changed', ...json(workspaceSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
  });

/** The 409 of a taken name; a deleted workspace keeps its name until its purge, and the answer says so. */
async function nameTaken(db: Executor, name: string, exceptId?: string): Promise<ApiError | undefined> {
  const holder = await findWorkspaceHoldingName(db, name, exceptId);
  if (!holder) return undefined;
  if (holder.deletedAt) {
    return ApiError.conflict(
      `workspace name ${name} is held by a deleted workspace, restorable until ${holder.purgeAfter?.toISOString()}; it frees up when that workspace is purged`,
      { workspace_id: holder.id, deleted: true, purge_after: holder.purgeAfter?.toISOString() },
    );
  }
  return ApiError.conflict(`workspace ${holder.name} already exists (names are unique whatever their case)`, { workspace_id: holder.id, deleted: false });
}

/** The workspaces a caller may list: a token its own, a signed-in user those they belong to. */
async function visibleWorkspaceIds(db: Executor, caller: Caller): Promise<string[]> {
  if (caller.kind !== 'session' || !caller.userId) return [caller.workspaceId];
  return memberWorkspaceIds(db, caller.userId);
}

export function workspaceRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const caller = callerOf(c);
      const deleted = c.req.valid('query').deleted === 'true';
      if (deleted && !caller.platformAdmin) throw new ApiError(403, 'forbidden', 'only platform admins see deleted workspaces');
      const rows = caller.platformAdmin
        ? await listWorkspaceRows(deps.db, { deleted })
        : await listWorkspaceRows(deps.db, { ids: await visibleWorkspaceIds(deps.db, caller) });
      return c.json({ items: await workspaceBodies(deps.db, rows) }, 200);
    })
    .openapi(createWorkspaceRoute, async (c) => {
      const { name, description, quotas } = c.req.valid('json');
      const created = await deps.db.transaction(async (tx) => {
        const workspace = await insertWorkspace(tx, { name, description, quotas: quotasFromBody(quotas) });
        if (!workspace) return undefined;
        const token = await createApiToken(tx, { workspaceId: workspace.id, name: `${name}-admin`, role: 'admin' });
        return { workspace, token };
      });
      if (!created) throw (await nameTaken(deps.db, name)) ?? ApiError.conflict(`workspace ${name} already exists`);
      const body = await workspaceBody(deps.db, created.workspace);
      c.set('audit', {
        action: 'workspace.create',
        target: `workspace/${created.workspace.id}`,
        details: { before: null, after: { name, description, quotas: created.workspace.quotas } },
      });
      return c.json({ workspace: body, admin_token: created.token.plaintext }, 201);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid('param');
      const caller = callerOf(c);
      // A platform admin sees deleted workspaces too (to restore them); everyone else only the live ones they may act in.
      const row = caller.platformAdmin ? await findWorkspaceAnyState(deps.db, id) : (await workspaceRoleOf(deps, caller, id)).workspace;
      if (!row) throw ApiError.notFound(`workspace ${id}`);
      return c.json(await workspaceBody(deps.db, row), 200);
    })
    .openapi(patchRoute(deps), async (c) => {
      const { workspace } = workspaceAccessOf(c);
      const changes = c.req.valid('json');
      if (changes.name !== undefined) {
        const taken = await nameTaken(deps.db, changes.name, workspace.id);
        if (taken) throw taken;
      }
      const row = await updateWorkspace(deps.db, workspace.id, changes);
      if (!row) throw ApiError.notFound(`workspace ${workspace.id}`);
      c.set('audit', {
        action: 'workspace.update',
        target: `workspace/${workspace.id}`,
        details: { before: { name: workspace.name, description: workspace.description }, after: { name: row.name, description: row.description } },
      });
      return c.json(await workspaceBody(deps.db, row), 200);
    })
    .route('/', workspaceLifecycleRoutes(deps))
    .route('/', workspaceMemberRoutes(deps))
    .route('/', workspaceQuotaRoutes(deps));
}

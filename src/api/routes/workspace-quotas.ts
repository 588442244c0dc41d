import { createRoute, z } from '@hono/zod-openapi';
import { updateWorkspace } from '../../db/repositories/workspace-lifecycle.ts';
import { effectiveQuotas, quotasFromBody, quotasToBody, workspaceQuotasSchema } from '../../quotas/limits.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { requirePlatformAdmin } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { workspaceBody } from '../serializers/workspaces.ts';
import { requireWorkspaceRole, workspaceAccessOf } from '../workspace-access.ts';

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const quotasAnswer = z
  .object({
    workspace_id: z.uuid(),
    /** In force: the workspace's own over the platform defaults. */
    quotas: workspaceQuotasSchema.required(),
    /** Only those set for this workspace; the others follow the platform defaults. */
    overrides: workspaceQuotasSchema,
    usage: z.record(z.string(), z.number()),
  })
  .openapi('WorkspaceQuotas');

const getRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'get',
    path: '/{id}/quotas',
    summary: "A workspace's quotas and what it uses of each (any member)",
    security,
    middleware: [requireWorkspaceRole(deps, 'viewer')] as const,
    request: { params: idParamSchema },
    responses: { 200: { description: 'Quotas and usage', ...json(quotasAnswer) }, ...errorResponses(401, 403, 404, 422) },
  });

const putRoute = (deps: ApiDeps) =>
  createRoute({
    method: 'put',
    path: '/{id}/quotas',
    summary: "Set a workspace's quotas (platform admins); a key left out follows the platform default",
    security,
    middleware: [requireWorkspaceRole(deps, 'viewer'), requirePlatformAdmin()] as const,
    request: { params: idParamSchema, body: { required: true, ...json(workspaceQuotasSchema) } },
    responses: { 200: { description: 'The quotas now in force', ...json(quotasAnswer) }, ...errorResponses(400, 401, 403, 404, 422) },
  });

export function workspaceQuotaRoutes(deps: ApiDeps) {
  const answer = async (row: Parameters<typeof workspaceBody>[1]) => {
    const body = await workspaceBody(deps.db, row);
    return { workspace_id: row.id, quotas: body.quotas, overrides: quotasToBody(row.quotas), usage: body.usage };
  };
  return createRouter()
    .openapi(getRoute(deps), async (c) => c.json(await answer(workspaceAccessOf(c).workspace), 200))
    .openapi(putRoute(deps), async (c) => {
      const { workspace } = workspaceAccessOf(c);
      const quotas = quotasFromBody(c.req.valid('json'));
      const row = await updateWorkspace(deps.db, workspace.id, { quotas });
      if (!row) throw ApiError.notFound(`workspace ${workspace.id}`);
      c.set('audit', {
        action: 'workspace.quotas.update',
        target: `workspace/${workspace.id}`,
        details: { before: effectiveQuotas(workspace.quotas), after: effectiveQuotas(row.quotas) },
      });
      return c.json(await answer(row), 200);
    });
}

import { createRoute, z } from '@hono/zod-openapi';
import { bindingPolicySchema, targetKinds } from '../../bindings/policy.ts';
import {
  createTarget,
  deleteBinding,
  findBindingById,
  findTargetByName,
  listBindings,
  listTargets,
  NamespaceTakenError,
  putBinding,
  type Binding,
  type Target,
} from '../../db/repositories/bindings.ts';
import { findWorkspaceById } from '../../db/repositories/workspaces.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf, requirePlatformAdmin } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema, slugSchema } from '../schemas.ts';

// Platform admins register targets and bind them to workspace environments: what each may touch there.

const targetSchema = z
  .object({ id: z.uuid(), name: z.string(), kind: z.enum(targetKinds), description: z.string(), created_at: z.string() })
  .openapi('Target');

export const bindingSchema = z
  .object({
    id: z.uuid(),
    workspace_id: z.uuid(),
    environment: z.string().openapi({ description: 'An environment, or * for every environment of the workspace without a binding of its own' }),
    target: z.string(),
    target_kind: z.enum(targetKinds),
    policy: bindingPolicySchema,
    created_by: z.string(),
    updated_at: z.string(),
  })
  .openapi('Binding');

function toTargetBody(target: Target) {
  return { id: target.id, name: target.name, kind: target.kind, description: target.description, created_at: target.createdAt.toISOString() };
}

export function toBindingBody(row: { binding: Binding; target: Target }) {
  return {
    id: row.binding.id,
    workspace_id: row.binding.workspaceId,
    environment: row.binding.environment,
    target: row.target.name,
    target_kind: row.target.kind,
    policy: bindingPolicySchema.parse(row.binding.policy),
    created_by: row.binding.createdBy,
    updated_at: row.binding.updatedAt.toISOString(),
  };
}

const listTargetsRoute = createRoute({
  method: 'get',
  path: '/targets',
  summary: 'Registered targets (platform admins)',
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  responses: {
    200: { description: 'Targets', content: { 'application/json': { schema: z.object({ items: z.array(targetSchema) }) } } },
    ...errorResponses(401, 403),
  },
});

const createTargetRoute = createRoute({
  method: 'post',
  path: '/targets',
  summary: "Register a target: the worker's Kubernetes cluster or this machine (platform admins)",
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ name: slugSchema, kind: z.enum(targetKinds), description: z.string().max(500).default('') }).strict(),
        },
      },
    },
  },
  responses: {
    201: { description: 'Registered', content: { 'application/json': { schema: targetSchema } } },
    ...errorResponses(400, 401, 403, 409, 422),
  },
});

const listBindingsRoute = createRoute({
  method: 'get',
  path: '/bindings',
  summary: 'Bindings of workspace environments to targets (platform admins)',
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  request: { query: z.object({ workspace_id: z.uuid().optional() }) },
  responses: {
    200: { description: 'Bindings', content: { 'application/json': { schema: z.object({ items: z.array(bindingSchema) }) } } },
    ...errorResponses(401, 403, 422),
  },
});

const putBindingRoute = createRoute({
  method: 'put',
  path: '/bindings',
  summary: 'Bind a workspace environment to a target, or replace its binding (platform admins)',
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              workspace_id: z.uuid(),
              environment: z.union([slugSchema, z.literal('*')]),
              target: slugSchema,
              policy: bindingPolicySchema,
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: { description: 'The binding as stored', content: { 'application/json': { schema: bindingSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

const getBindingRoute = createRoute({
  method: 'get',
  path: '/bindings/{id}',
  summary: 'One binding (platform admins)',
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  request: { params: idParamSchema },
  responses: {
    200: { description: 'The binding', content: { 'application/json': { schema: bindingSchema } } },
    ...errorResponses(401, 403, 404, 422),
  },
});

const deleteBindingRoute = createRoute({
  method: 'delete',
  path: '/bindings/{id}',
  summary: 'Remove a binding: its environment may touch nothing on that target any more (platform admins)',
  security: [{ bearer: [] }],
  middleware: [requirePlatformAdmin()] as const,
  request: { params: idParamSchema },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 422) },
});

export function adminRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(listTargetsRoute, async (c) => c.json({ items: (await listTargets(deps.db)).map(toTargetBody) }, 200))
    .openapi(createTargetRoute, async (c) => {
      const input = c.req.valid('json');
      c.set('audit', { action: 'target.create', target: `target/${input.name}` });
      const target = await createTarget(deps.db, input);
      if (!target) throw ApiError.conflict(`a target named ${input.name} exists already`);
      return c.json(toTargetBody(target), 201);
    })
    .openapi(listBindingsRoute, async (c) => {
      const rows = await listBindings(deps.db, { workspaceId: c.req.valid('query').workspace_id });
      return c.json({ items: rows.map(toBindingBody) }, 200);
    })
    .openapi(putBindingRoute, async (c) => {
      const input = c.req.valid('json');
      c.set('audit', {
        action: 'binding.put',
        target: `binding/${input.workspace_id}/${input.environment}/${input.target}`,
        details: { policy: input.policy },
      });
      if (!(await findWorkspaceById(deps.db, input.workspace_id))) throw ApiError.notFound(`workspace ${input.workspace_id}`);
      const target = await findTargetByName(deps.db, input.target);
      if (!target) throw ApiError.notFound(`target ${input.target}`);
      if (target.kind === 'local' && input.policy.namespaces.length > 0) {
        throw new ApiError(422, 'validation_failed', 'request json failed validation', [{ path: 'json.policy.namespaces', message: 'a local target has no namespaces' }]);
      }
      try {
        const binding = await putBinding(deps.db, { workspaceId: input.workspace_id, environment: input.environment, target, policy: input.policy, createdBy: callerOf(c).actor });
        return c.json(toBindingBody({ binding, target }), 200);
      } catch (error) {
        if (error instanceof NamespaceTakenError) throw ApiError.conflict(error.message, { namespace: error.namespace });
        throw error;
      }
    })
    .openapi(getBindingRoute, async (c) => {
      const row = await findBindingById(deps.db, c.req.valid('param').id);
      if (!row) throw ApiError.notFound(`binding ${c.req.valid('param').id}`);
      return c.json(toBindingBody(row), 200);
    })
    .openapi(deleteBindingRoute, async (c) => {
      const { id } = c.req.valid('param');
      c.set('audit', { action: 'binding.delete', target: `binding/${id}` });
      if (!(await deleteBinding(deps.db, id))) throw ApiError.notFound(`binding ${id}`);
      return c.body(null, 204);
    });
}

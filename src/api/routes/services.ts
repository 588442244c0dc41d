import { createRoute, z } from '@hono/zod-openapi';
import { findService, insertService, listServices, updateService, type ServiceRow } from '../../db/repositories/services.ts';
import { serviceDefinitionSchema, type ServiceDefinition } from '../../services/definition.ts';
import { keepMaskedSecrets, maskDefinition } from '../../services/mask.ts';
import { watchService } from '../../targets/registry.ts';
import { assertDefinitionAllowed } from '../boundary.ts';
import type { ApiDeps } from '../context.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { serviceNameParamSchema, slugSchema } from '../schemas.ts';

const serviceSchema = z
  .object({
    name: z.string(),
    environment: z.string(),
    definition: serviceDefinitionSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Service');

/** Every role reads a definition with its secrets masked; operators write them, nobody reads them back. */
function toServiceBody(row: ServiceRow) {
  return {
    name: row.name,
    environment: row.environment,
    definition: maskDefinition(serviceDefinitionSchema.parse(row.definition)),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const createServiceRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Register a service definition in an environment',
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ name: slugSchema, environment: slugSchema, definition: serviceDefinitionSchema }).strict(),
        },
      },
    },
  },
  responses: {
    201: { description: 'Registered', content: { 'application/json': { schema: serviceSchema } } },
    ...errorResponses(400, 401, 403, 409, 422),
  },
});

const listServicesRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Service definitions',
  security: [{ bearer: [] }],
  request: { query: z.object({ environment: slugSchema.optional() }) },
  responses: {
    200: { description: 'Definitions', content: { 'application/json': { schema: z.object({ items: z.array(serviceSchema) }) } } },
    ...errorResponses(401, 422),
  },
});

const getServiceRoute = createRoute({
  method: 'get',
  path: '/{name}',
  summary: "A service's definitions, one per environment",
  security: [{ bearer: [] }],
  request: {
    params: serviceNameParamSchema,
    query: z.object({ environment: slugSchema.optional() }),
  },
  responses: {
    200: { description: 'Definitions', content: { 'application/json': { schema: z.object({ items: z.array(serviceSchema) }) } } },
    ...errorResponses(401, 404, 422),
  },
});

const updateServiceRoute = createRoute({
  method: 'put',
  path: '/{name}',
  summary: "Replace a service's definition in an environment (releases under way keep the one they started with)",
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: {
    params: serviceNameParamSchema,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ environment: slugSchema, definition: serviceDefinitionSchema }).strict() } },
    },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: serviceSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

/** The definition to store: `********` sent back keeps the stored secret; one with nothing to keep is a 422. */
function withKeptSecrets(incoming: ServiceDefinition, stored: ServiceDefinition | undefined): ServiceDefinition {
  const { definition, problems } = keepMaskedSecrets(incoming, stored);
  if (problems.length > 0) {
    throw new ApiError(
      422,
      'validation_failed',
      'request json failed validation',
      problems.map((problem) => ({ path: `json.definition.${problem.path}`, message: problem.message })),
    );
  }
  return definition;
}

/** Where a service runs is fixed once registered: moving it would leave its colours behind where they are. */
function placementChange(before: ServiceDefinition, after: ServiceDefinition): string | undefined {
  if (before.target !== after.target) return `the target cannot change (${before.target} → ${after.target}): register the service under a new name`;
  if (before.target === 'kubernetes' && after.target === 'kubernetes' && before.namespace !== after.namespace) {
    return `the namespace cannot change (${before.namespace} → ${after.namespace}): register the service under a new name`;
  }
  return undefined;
}

export function serviceRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(createServiceRoute, async (c) => {
      const { name, environment, definition: sent } = c.req.valid('json');
      c.set('audit', { action: 'service.create', target: `service/${environment}/${name}` });
      assertEnvironmentRole(callerOf(c), environment, 'operator');
      const definition = withKeptSecrets(sent, undefined);
      await assertDefinitionAllowed(deps, callerOf(c), environment, definition);
      // A service is its name: registering it in one more environment takes no more of the services quota.
      const known = (await listServices(deps.db, callerOf(c).workspaceId, { name })).length > 0;
      await assertQuotaRoom(deps, callerOf(c), ...(known ? [] : (['services'] as const)), 'storageGb');
      const row = await insertService(deps.db, { workspaceId: callerOf(c).workspaceId, name, environment, definition });
      if (!row) throw ApiError.conflict(`service ${name} already exists in ${environment}`);
      watchService(deps.targets, definition);
      return c.json(toServiceBody(row), 201);
    })
    .openapi(updateServiceRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { environment, definition: sent } = c.req.valid('json');
      const { workspaceId } = callerOf(c);
      c.set('audit', { action: 'service.update', target: `service/${environment}/${name}` });
      assertEnvironmentRole(callerOf(c), environment, 'operator');
      const existing = await findService(deps.db, workspaceId, environment, name);
      if (!existing) throw ApiError.notFound(`service ${name} in ${environment}`);
      const stored = serviceDefinitionSchema.parse(existing.definition);
      const definition = withKeptSecrets(sent, stored);
      const moved = placementChange(stored, definition);
      if (moved) throw ApiError.conflict(moved);
      await assertDefinitionAllowed(deps, callerOf(c), environment, definition);
      const row = await updateService(deps.db, { workspaceId, name, environment, definition });
      if (!row) throw ApiError.notFound(`service ${name} in ${environment}`);
      watchService(deps.targets, definition);
      return c.json(toServiceBody(row), 200);
    })
    .openapi(listServicesRoute, async (c) => {
      const rows = await listServices(deps.db, callerOf(c).workspaceId, c.req.valid('query'));
      return c.json({ items: rows.map(toServiceBody) }, 200);
    })
    .openapi(getServiceRoute, async (c) => {
      const { name } = c.req.valid('param');
      const rows = await listServices(deps.db, callerOf(c).workspaceId, { name, ...c.req.valid('query') });
      if (rows.length === 0) throw ApiError.notFound(`service ${name}`);
      return c.json({ items: rows.map(toServiceBody) }, 200);
    });
}

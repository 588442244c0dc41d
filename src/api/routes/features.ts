import { createRoute, z } from '@hono/zod-openapi';
import { listAuditEntries } from '../../db/repositories/audit.ts';
import { deleteFeature, findFeature, insertFeature, listFeatures, loadSegments, replaceFeature, toFlagDefinition, type FeatureRow } from '../../db/repositories/features.ts';
import { flagBodySchema, flagFieldsSchema, type FlagBody } from '../../flags/definition.ts';
import { evaluateFlag, type EvaluationContext, type FlagDefinition } from '../../flags/evaluate.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf } from '../middleware/auth.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { createRouter } from '../router.ts';
import { idParamSchema, slugSchema } from '../schemas.ts';
import { auditEntrySchema, toAuditBody } from './audit.ts';

// Feature flags of the workspace's environments: create, read, replace (optimistic: the version it read), delete,
// evaluate, and each flag's audit trail. Evaluation is src/flags/evaluate.ts; the buckets are Unleash's.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

export const featureSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    environment: z.string(),
    name: z.string(),
    description: z.string(),
    type: z.string(),
    enabled: z.boolean(),
    variants: z.array(z.object({ key: z.string(), value: z.unknown(), weight: z.number().int() })),
    default_variant: z.string(),
    rollout_pct: z.number().int(),
    rules: z.array(z.record(z.string(), z.unknown())),
    stickiness: z.string(),
    version: z.number().int(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Feature');

const evaluationSchema = z
  .object({
    variant: z.string(),
    value: z.unknown(),
    reason: z.enum(['TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED', 'ERROR']),
    rule_id: z.string().nullable(),
    bucket: z.number().int().nullable(),
    context_matched: z.boolean(),
    flag_version: z.number().int(),
    error: z.string().optional(),
  })
  .openapi('FeatureEvaluation');

const contextSchema = z.record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean()])).refine((context) => Object.keys(context).length <= 100, 'at most 100 attributes');
const replaceBodySchema = flagFieldsSchema.omit({ key: true, environment: true }).extend({ version: z.number().int().min(1) }).strict();

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "The workspace's feature flags (of one environment with ?environment=)",
  security,
  request: { query: z.object({ environment: slugSchema.optional() }) },
  responses: { 200: { description: 'Flags', ...json(z.object({ items: z.array(featureSchema) })) }, ...errorResponses(401, 422) },
});
const createFeatureRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a flag in an environment (operators there)',
  security,
  request: { body: { required: true, ...json(flagBodySchema) } },
  responses: { 201: { description: 'Created', ...json(featureSchema) }, ...errorResponses(400, 401, 403, 409, 422, 429) },
});
const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One flag',
  security,
  request: { params: idParamSchema },
  responses: { 200: { description: 'The flag', ...json(featureSchema) }, ...errorResponses(401, 404, 422) },
});
const replaceRoute = createRoute({
  method: 'put',
  path: '/{id}',
  summary: "Replace a flag's configuration; `version` is the one you read (409 when someone changed it since)",
  security,
  request: { params: idParamSchema, body: { required: true, ...json(replaceBodySchema) } },
  responses: { 200: { description: 'Replaced', ...json(featureSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
});
const deleteRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a flag (operators in its environment)',
  security,
  request: { params: idParamSchema },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 422) },
});
const evaluateRoute = createRoute({
  method: 'post',
  path: '/{id}/evaluate',
  summary: 'Evaluate a flag for a context: the variant, its value, why (OpenFeature reasons), the rule and the bucket',
  security,
  request: { params: idParamSchema, body: { required: true, ...json(z.object({ context: contextSchema.default({}) }).strict()) } },
  responses: { 200: { description: 'The evaluation', ...json(evaluationSchema) }, ...errorResponses(400, 401, 404, 422) },
});
const evaluateGetRoute = createRoute({
  method: 'get',
  path: '/{id}/evaluate',
  summary: 'Evaluate a flag for the context in the query string (each parameter an attribute)',
  security,
  request: { params: idParamSchema, query: z.object({}).catchall(z.string().max(1000)) },
  responses: { 200: { description: 'The evaluation', ...json(evaluationSchema) }, ...errorResponses(401, 404, 422) },
});
const auditLogRoute = createRoute({
  method: 'get',
  path: '/{id}/audit-log',
  summary: "Every change of a flag with its before and after, by whom, newest first (a deleted flag's are in GET /audit)",
  security,
  request: { params: idParamSchema, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  responses: { 200: { description: 'Entries', ...json(z.object({ items: z.array(auditEntrySchema) })) }, ...errorResponses(401, 404, 422) },
});

type Definition = Omit<FlagDefinition, 'key' | 'enabled' | 'version'>;

function definitionOf(body: Omit<FlagBody, 'key' | 'environment' | 'name' | 'description' | 'enabled'>): Definition {
  return { type: body.type, variants: body.variants, default_variant: body.default_variant, rollout_pct: body.rollout_pct, rules: body.rules, stickiness: body.stickiness };
}

export function toFeatureBody(row: FeatureRow): z.infer<typeof featureSchema> {
  const flag = toFlagDefinition(row);
  return {
    id: row.id,
    key: row.key,
    environment: row.environment,
    name: row.name,
    description: row.description,
    type: flag.type,
    enabled: row.enabled,
    variants: flag.variants,
    default_variant: flag.default_variant,
    rollout_pct: flag.rollout_pct,
    rules: flag.rules as unknown as Record<string, unknown>[],
    stickiness: flag.stickiness ?? 'user_id',
    version: row.version,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function featureRoutes(deps: ApiDeps) {
  const load = async (workspaceId: string, id: string) => {
    const row = await findFeature(deps.db, workspaceId, id);
    if (!row) throw ApiError.notFound(`feature ${id}`);
    return row;
  };
  const evaluate = async (workspaceId: string, id: string, context: EvaluationContext) => {
    const row = await load(workspaceId, id);
    return evaluateFlag(toFlagDefinition(row), context, await loadSegments(deps.db, workspaceId, row.environment));
  };
  return createRouter()
    .openapi(listRoute, async (c) => {
      const rows = await listFeatures(deps.db, callerOf(c).workspaceId, c.req.valid('query').environment);
      return c.json({ items: rows.map(toFeatureBody) }, 200);
    })
    .openapi(createFeatureRoute, async (c) => {
      const body = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'feature.create', target: `feature-key/${body.environment}/${body.key}` });
      assertEnvironmentRole(caller, body.environment, 'operator');
      await assertQuotaRoom(deps, caller, 'featureFlags', 'storageGb');
      const row = await insertFeature(deps.db, {
        workspaceId: caller.workspaceId,
        environment: body.environment,
        key: body.key,
        name: body.name,
        description: body.description,
        enabled: body.enabled,
        definition: definitionOf(body),
        createdBy: caller.actor,
      });
      if (!row) throw ApiError.conflict(`${body.environment} has a flag ${body.key} already`);
      const created = toFeatureBody(row);
      c.set('audit', { action: 'feature.create', target: `feature/${row.id}`, details: { before: null, after: created } });
      return c.json(created, 201);
    })
    .openapi(getRoute, async (c) => c.json(toFeatureBody(await load(callerOf(c).workspaceId, c.req.valid('param').id)), 200))
    .openapi(replaceRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'feature.update', target: `feature/${id}` });
      const before = await load(caller.workspaceId, id);
      assertEnvironmentRole(caller, before.environment, 'operator');
      // The same checks as a new flag (default and rule variants exist, values of the flag's type, patterns compile).
      const { version, ...fields } = body;
      const checked = flagBodySchema.safeParse({ ...fields, key: before.key, environment: before.environment });
      if (!checked.success) {
        throw new ApiError(422, 'validation_failed', 'request json failed validation', checked.error.issues.map((issue) => ({ path: ['json', ...issue.path].join('.'), message: issue.message })));
      }
      const row = await replaceFeature(deps.db, caller.workspaceId, id, version, {
        name: checked.data.name,
        description: checked.data.description,
        enabled: checked.data.enabled,
        definition: definitionOf(checked.data),
      });
      if (!row) throw ApiError.conflict(`feature ${before.key} changed since version ${version} (it is at ${before.version}): read it again`, { version: before.version });
      c.set('audit', { action: 'feature.update', target: `feature/${id}`, details: { before: toFeatureBody(before), after: toFeatureBody(row) } });
      return c.json(toFeatureBody(row), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { id } = c.req.valid('param');
      const caller = callerOf(c);
      c.set('audit', { action: 'feature.delete', target: `feature/${id}` });
      const before = await load(caller.workspaceId, id);
      assertEnvironmentRole(caller, before.environment, 'operator');
      await deleteFeature(deps.db, caller.workspaceId, id);
      c.set('audit', { action: 'feature.delete', target: `feature/${id}`, details: { before: toFeatureBody(before), after: null } });
      return c.body(null, 204);
    })
    .openapi(evaluateRoute, async (c) => c.json(await evaluate(callerOf(c).workspaceId, c.req.valid('param').id, c.req.valid('json').context), 200))
    .openapi(evaluateGetRoute, async (c) => c.json(await evaluate(callerOf(c).workspaceId, c.req.valid('param').id, c.req.valid('query')), 200))
    .openapi(auditLogRoute, async (c) => {
      const { id } = c.req.valid('param');
      await load(callerOf(c).workspaceId, id);
      const rows = await listAuditEntries(deps.db, callerOf(c).workspaceId, c.req.valid('query').limit, { target: `feature/${id}` });
      return c.json({ items: rows.map(toAuditBody) }, 200);
    });
}

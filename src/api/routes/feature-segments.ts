import { createRoute, z } from '@hono/zod-openapi';
import { deleteSegment, findSegment, flagsNamingSegment, insertSegment, listSegments, replaceSegmentConditions, type SegmentRow } from '../../db/repositories/features.ts';
import { conditionSchema, flagFieldsSchema } from '../../flags/definition.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf } from '../middleware/auth.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';

// Segments: named sets of conditions of one environment that flag rules name by key (`rules[].segments`).
// Evaluation reads them on every call (loadSegments), so a change applies to the next evaluation.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
// The same rules as a flag's key and environment, so any segment a rule can name can be made.
const keySchema = flagFieldsSchema.shape.key;
const environmentSchema = flagFieldsSchema.shape.environment;
const conditionsSchema = z.array(conditionSchema).min(1).max(50);

const segmentSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    environment: z.string(),
    conditions: z.array(z.record(z.string(), z.unknown())),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('FeatureSegment');

const createBodySchema = z.object({ key: keySchema, environment: environmentSchema, conditions: conditionsSchema }).strict().openapi('FeatureSegmentBody');

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "The workspace's segments (of one environment with ?environment=)",
  security,
  request: { query: z.object({ environment: environmentSchema.optional() }) },
  responses: { 200: { description: 'Segments', ...json(z.object({ items: z.array(segmentSchema) })) }, ...errorResponses(401, 422) },
});
const createSegmentRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a segment in an environment (operators there); 409 for a key it has',
  security,
  request: { body: { required: true, ...json(createBodySchema) } },
  responses: { 201: { description: 'Created', ...json(segmentSchema) }, ...errorResponses(400, 401, 403, 409, 422, 429) },
});
const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One segment',
  security,
  request: { params: idParamSchema },
  responses: { 200: { description: 'The segment', ...json(segmentSchema) }, ...errorResponses(401, 404, 422) },
});
const replaceRoute = createRoute({
  method: 'put',
  path: '/{id}',
  summary: "Replace a segment's conditions (the next evaluation uses them)",
  security,
  request: { params: idParamSchema, body: { required: true, ...json(z.object({ conditions: conditionsSchema }).strict()) } },
  responses: { 200: { description: 'Replaced', ...json(segmentSchema) }, ...errorResponses(400, 401, 403, 404, 422) },
});
const deleteRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: "Delete a segment; 409 while a rule of a flag of its environment names it (the flags' keys in details)",
  security,
  request: { params: idParamSchema },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409, 422) },
});

function toSegmentBody(row: SegmentRow): z.infer<typeof segmentSchema> {
  return {
    id: row.id,
    key: row.key,
    environment: row.environment,
    conditions: row.conditions as Record<string, unknown>[],
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function segmentRoutes(deps: ApiDeps) {
  const load = async (workspaceId: string, id: string) => {
    const row = await findSegment(deps.db, workspaceId, id);
    if (!row) throw ApiError.notFound(`segment ${id}`);
    return row;
  };
  return createRouter()
    .openapi(listRoute, async (c) => {
      const rows = await listSegments(deps.db, callerOf(c).workspaceId, c.req.valid('query').environment);
      return c.json({ items: rows.map(toSegmentBody) }, 200);
    })
    .openapi(createSegmentRoute, async (c) => {
      const body = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'segment.create', target: `segment-key/${body.environment}/${body.key}` });
      assertEnvironmentRole(caller, body.environment, 'operator');
      await assertQuotaRoom(deps, caller, 'storageGb');
      const row = await insertSegment(deps.db, { workspaceId: caller.workspaceId, environment: body.environment, key: body.key, conditions: body.conditions });
      if (!row) throw ApiError.conflict(`${body.environment} has a segment ${body.key} already`);
      const created = toSegmentBody(row);
      c.set('audit', { action: 'segment.create', target: `segment/${row.id}`, details: { before: null, after: created } });
      return c.json(created, 201);
    })
    .openapi(getRoute, async (c) => c.json(toSegmentBody(await load(callerOf(c).workspaceId, c.req.valid('param').id)), 200))
    .openapi(replaceRoute, async (c) => {
      const { id } = c.req.valid('param');
      const caller = callerOf(c);
      c.set('audit', { action: 'segment.update', target: `segment/${id}` });
      const before = await load(caller.workspaceId, id);
      assertEnvironmentRole(caller, before.environment, 'operator');
      const row = await replaceSegmentConditions(deps.db, caller.workspaceId, id, c.req.valid('json').conditions);
      if (!row) throw ApiError.notFound(`segment ${id}`);
      c.set('audit', { action: 'segment.update', target: `segment/${id}`, details: { before: toSegmentBody(before), after: toSegmentBody(row) } });
      return c.json(toSegmentBody(row), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { id } = c.req.valid('param');
      const caller = callerOf(c);
      c.set('audit', { action: 'segment.delete', target: `segment/${id}` });
      const before = await load(caller.workspaceId, id);
      assertEnvironmentRole(caller, before.environment, 'operator');
      // A rule naming a missing segment never matches: deleting one in use would silently turn those rules off.
      const flags = await flagsNamingSegment(deps.db, caller.workspaceId, before.environment, before.key);
      if (flags.length > 0) throw ApiError.conflict(`segment ${before.key} is named by rules of ${flags.join(', ')}: change those rules first`, { flags });
      await deleteSegment(deps.db, caller.workspaceId, id);
      c.set('audit', { action: 'segment.delete', target: `segment/${id}`, details: { before: toSegmentBody(before), after: null } });
      return c.body(null, 204);
    });
}

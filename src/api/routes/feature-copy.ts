import { createRoute, z } from '@hono/zod-openapi';
import { findFeature, findFeatureByKey, insertFeature, loadSegments, replaceFeature, toFlagDefinition } from '../../db/repositories/features.ts';
import { flagFieldsSchema } from '../../flags/definition.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf } from '../middleware/auth.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { featureSchema, toFeatureBody } from './features.ts';

// Promoting a flag's configuration from one environment to another (staging → production): the target gets the
// same key, name, description, enabled state and definition, as a new flag or as the next version of its own.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const copyRoute = createRoute({
  method: 'post',
  path: '/{id}/copy',
  summary:
    "Copy a flag's configuration to another environment (operators in both): creates the flag with the same key there (201) or replaces its configuration as the next version (200); 422 naming the segments its rules name that the target environment lacks",
  security,
  request: { params: idParamSchema, body: { required: true, ...json(z.object({ environment: flagFieldsSchema.shape.environment }).strict()) } },
  responses: {
    200: { description: "Replaced the target's configuration", ...json(featureSchema) },
    201: { description: 'Created the flag in the target environment', ...json(featureSchema) },
    ...errorResponses(400, 401, 403, 404, 409, 422, 429),
  },
});

export function featureCopyRoutes(deps: ApiDeps) {
  return createRouter().openapi(copyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { environment } = c.req.valid('json');
    const caller = callerOf(c);
    c.set('audit', { action: 'feature.copy', target: `feature/${id}` });
    const source = await findFeature(deps.db, caller.workspaceId, id);
    if (!source) throw ApiError.notFound(`feature ${id}`);
    assertEnvironmentRole(caller, source.environment, 'operator');
    assertEnvironmentRole(caller, environment, 'operator');
    if (environment === source.environment) {
      throw new ApiError(422, 'validation_failed', 'request json failed validation', [{ path: 'json.environment', message: `the flag is in ${environment} already` }]);
    }

    // Segments are per environment: a rule naming one the target lacks would never match there.
    const named = [...new Set(toFlagDefinition(source).rules.flatMap((rule) => rule.segments ?? []))];
    const present = await loadSegments(deps.db, caller.workspaceId, environment);
    const missing = named.filter((key) => !present.has(key));
    if (missing.length > 0) {
      throw new ApiError(422, 'segments_missing', `${environment} has no segment ${missing.join(', ')}: create ${missing.length === 1 ? 'it' : 'them'} there first`, { environment, segments: missing });
    }

    const configuration = { name: source.name, description: source.description, enabled: source.enabled, definition: source.definition };
    const from = { id: source.id, environment: source.environment, version: source.version };
    const target = await findFeatureByKey(deps.db, caller.workspaceId, environment, source.key);
    if (!target) {
      await assertQuotaRoom(deps, caller, 'featureFlags', 'storageGb');
      const row = await insertFeature(deps.db, { workspaceId: caller.workspaceId, environment, key: source.key, ...configuration, createdBy: caller.actor });
      if (!row) throw ApiError.conflict(`${environment} got a flag ${source.key} meanwhile: copy again to replace it`);
      const created = toFeatureBody(row);
      c.set('audit', { action: 'feature.copy', target: `feature/${row.id}`, details: { from, before: null, after: created } });
      return c.json(created, 201);
    }
    const row = await replaceFeature(deps.db, caller.workspaceId, target.id, target.version, configuration);
    if (!row) throw ApiError.conflict(`feature ${source.key} in ${environment} changed while it was copied over: copy again`);
    const replaced = toFeatureBody(row);
    c.set('audit', { action: 'feature.copy', target: `feature/${row.id}`, details: { from, before: toFeatureBody(target), after: replaced } });
    return c.json(replaced, 200);
  });
}

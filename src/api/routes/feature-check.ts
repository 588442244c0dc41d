import { createRoute, z } from '@hono/zod-openapi';
import { findFeatureByKey, loadSegments, toFlagDefinition } from '../../db/repositories/features.ts';
import { flagFieldsSchema } from '../../flags/definition.ts';
import { evaluateFlag, type EvaluationContext } from '../../flags/evaluate.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';

// "Is it on for this user?" by the flag's key, for a service that knows its flags by name rather than by id.
// The path's parameter is a key, not the uuid the other /features/{id} routes take: `/check` keeps them apart.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const checkSchema = z
  .object({
    key: z.string(),
    enabled: z.boolean().openapi({ description: "A boolean flag's value, or for other types whether the variant is not the default one" }),
    variant: z.string(),
    reason: z.enum(['TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED', 'ERROR']),
  })
  .openapi('FeatureCheck');

const checkRoute = createRoute({
  method: 'get',
  path: '/{key}/check',
  summary: "Whether a flag (by key) is on for a context: `userId` is the flag's stickiness attribute unless that is given; every other parameter is an attribute",
  security,
  request: {
    params: z.object({ key: flagFieldsSchema.shape.key.openapi({ param: { name: 'key', in: 'path' } }) }),
    query: z.object({ environment: flagFieldsSchema.shape.environment, userId: z.string().max(1000).optional() }).catchall(z.string().max(1000)),
  },
  responses: { 200: { description: 'The answer', ...json(checkSchema) }, ...errorResponses(401, 404, 422) },
});

export function featureCheckRoutes(deps: ApiDeps) {
  return createRouter().openapi(checkRoute, async (c) => {
    const { key } = c.req.valid('param');
    const { environment, userId, ...attributes } = c.req.valid('query');
    const { workspaceId } = callerOf(c);
    const row = await findFeatureByKey(deps.db, workspaceId, environment, key);
    if (!row) throw ApiError.notFound(`feature ${key} in ${environment}`);
    const flag = toFlagDefinition(row);
    const stickiness = flag.stickiness ?? 'user_id';
    const context: EvaluationContext = { ...attributes };
    if (userId !== undefined && context[stickiness] === undefined) context[stickiness] = userId;
    const evaluation = evaluateFlag(flag, context, await loadSegments(deps.db, workspaceId, environment));
    const enabled = flag.type === 'boolean' ? evaluation.value === true : evaluation.variant !== flag.default_variant;
    return c.json({ key, enabled, variant: evaluation.variant, reason: evaluation.reason }, 200);
  });
}

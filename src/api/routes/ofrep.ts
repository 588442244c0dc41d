import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { listFeatures, loadSegments, toFlagDefinition } from '../../db/repositories/features.ts';
import { contextFor } from '../../flags/context.ts';
import { evaluateFlag, type FlagDefinition, type Segment } from '../../flags/evaluate.ts';
import type { ApiDeps } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { slugSchema } from '../schemas.ts';

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP), so unmodified OFREP providers evaluate Cutover's flags: point
 * a provider's base URL at `/api/v1/flags/{environment}`, with a bearer token. Its answers and its errors are the
 * protocol's own shapes (`{ key, errorCode, errorDetails }`), as providers parse them; authentication and
 * authorization failures keep the API's one error shape.
 */

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

// The context is checked here, not by the validator: OFREP answers a bad one with its own 400.
const requestSchema = z.object({ context: z.unknown().optional() });
const successSchema = z.object({ key: z.string(), reason: z.string(), variant: z.string(), value: z.unknown(), metadata: z.record(z.string(), z.unknown()) }).openapi('OfrepEvaluation');
const failureSchema = z.object({ key: z.string(), errorCode: z.string(), errorDetails: z.string().optional() }).openapi('OfrepFailure');
const params = z.object({
  environment: slugSchema.openapi({ param: { name: 'environment', in: 'path' } }),
  key: z.string().min(1).max(64).openapi({ param: { name: 'key', in: 'path' } }),
});

const oneRoute = createRoute({
  method: 'post',
  path: '/{environment}/ofrep/v1/evaluate/flags/{key}',
  summary: 'OFREP: evaluate one flag of an environment for a context',
  security,
  request: { params, body: { required: false, ...json(requestSchema) } },
  responses: {
    200: { description: 'The evaluation', ...json(successSchema) },
    400: { description: 'The context is not an object', ...json(failureSchema) },
    404: { description: 'No such flag', ...json(failureSchema) },
    ...errorResponses(401, 403),
  },
});

const bulkRoute = createRoute({
  method: 'post',
  path: '/{environment}/ofrep/v1/evaluate/flags',
  summary: 'OFREP: evaluate every flag of an environment for a context; If-None-Match with the last ETag answers 304 when nothing changed',
  security,
  request: { params: params.pick({ environment: true }), body: { required: false, ...json(requestSchema) } },
  responses: {
    200: { description: 'The evaluations', ...json(z.object({ flags: z.array(z.union([successSchema, failureSchema])) })) },
    304: { description: 'Unchanged since the ETag sent' },
    ...errorResponses(401, 403),
  },
});

/** Our reasons are OFREP's, except ERROR, which OFREP says as an error code. */
function ofrepAnswer(flag: FlagDefinition, given: Record<string, unknown>, segments: ReadonlyMap<string, Segment>) {
  const result = evaluateFlag(flag, contextFor(flag, given), segments);
  if (result.reason === 'ERROR') return { key: flag.key, errorCode: 'GENERAL', errorDetails: result.error ?? 'evaluation failed' };
  return { key: flag.key, reason: result.reason, variant: result.variant, value: result.value, metadata: { flag_version: result.flag_version, ...(result.rule_id ? { rule_id: result.rule_id } : {}) } };
}

export function ofrepRoutes(deps: ApiDeps) {
  const load = async (workspaceId: string, environment: string) => {
    const [rows, segments] = await Promise.all([listFeatures(deps.db, workspaceId, environment), loadSegments(deps.db, workspaceId, environment)]);
    const flags = rows.map(toFlagDefinition);
    return { flags, segments };
  };
  const contextOf = (body: unknown): Record<string, unknown> | undefined => {
    const context = (body as { context?: unknown } | undefined)?.context ?? {};
    return typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : undefined;
  };
  return createRouter()
    .openapi(oneRoute, async (c) => {
      const { environment, key } = c.req.valid('param');
      const context = contextOf(c.req.valid('json'));
      if (!context) return c.json({ key, errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be an object' }, 400);
      const { flags, segments } = await load(callerOf(c).workspaceId, environment);
      const flag = flags.find((candidate) => candidate.key === key);
      if (!flag) return c.json({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `no flag ${key} in ${environment}` }, 404);
      const answer = ofrepAnswer(flag, context, segments);
      return c.json(answer as z.infer<typeof successSchema>, 200);
    })
    .openapi(bulkRoute, async (c) => {
      const { environment } = c.req.valid('param');
      const context = contextOf(c.req.valid('json')) ?? {};
      const { flags, segments } = await load(callerOf(c).workspaceId, environment);
      // The answer depends on the flags' versions and the context only: that is its entity tag.
      const etag = `"${createHash('sha256').update(JSON.stringify([flags.map((flag) => [flag.key, flag.version]), context])).digest('base64url').slice(0, 27)}"`;
      c.header('ETag', etag);
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      return c.json({ flags: flags.map((flag) => ofrepAnswer(flag, context, segments)) }, 200);
    });
}

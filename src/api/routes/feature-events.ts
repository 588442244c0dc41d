import { createRoute, z } from '@hono/zod-openapi';
import { flagExposures, insertFeatureEvents } from '../../db/repositories/feature-events.ts';
import { findFeature, toFlagDefinition } from '../../db/repositories/features.ts';
import { keySchema } from '../../flags/definition.ts';
import { experimentStats } from '../../flags/stats.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf } from '../middleware/auth.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { createRouter } from '../router.ts';
import { idParamSchema, slugSchema } from '../schemas.ts';

// A/B results: SDKs send impressions (who was served which variant) and conversions (who reached a metric);
// GET /features/{id}/stats counts them by subject and runs src/flags/stats.ts on the counts.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

/** Events may come late (an SDK that could not reach the API holds them), but not from the future. */
const maxClockSkewMs = 5 * 60_000;

const eventSchema = z
  .object({
    id: z.string().min(1).max(100),
    kind: z.enum(['impression', 'conversion']),
    feature_key: keySchema.optional(),
    variant: keySchema.optional(),
    reason: z.enum(['TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED']).optional(),
    metric: z.string().min(1).max(100).optional(),
    subject: z.string().min(1).max(200),
    timestamp: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.kind === 'impression' && (!event.feature_key || !event.variant)) ctx.addIssue({ code: 'custom', path: ['feature_key'], message: 'an impression names feature_key and variant' });
    if (event.kind === 'conversion' && !event.metric) ctx.addIssue({ code: 'custom', path: ['metric'], message: 'a conversion names its metric' });
    if (event.timestamp && Date.parse(event.timestamp) > Date.now() + maxClockSkewMs) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'more than five minutes in the future' });
  });

const ingestRoute = createRoute({
  method: 'post',
  path: '/events',
  summary: 'Impressions and conversions for A/B results, in batches; an event id sent before counts once',
  security,
  request: { body: { required: true, ...json(z.object({ environment: slugSchema, events: z.array(eventSchema).min(1).max(1000) }).strict()) } },
  responses: { 202: { description: 'Stored', ...json(z.object({ accepted: z.number().int(), duplicates: z.number().int() })) }, ...errorResponses(400, 401, 403, 413, 422, 429) },
});

const variantResultSchema = z.object({
  key: z.string(),
  weight: z.number().int(),
  impressions: z.number().int(),
  conversions: z.number().int(),
  conversion_rate: z.number().nullable(),
  lift: z.object({ relative: z.number(), absolute: z.number(), ci95: z.object({ low: z.number(), high: z.number() }) }).nullable(),
  chance_to_beat_control: z.number().nullable(),
});

const statsRoute = createRoute({
  method: 'get',
  path: '/{id}/stats',
  summary: "A flag's A/B results for one metric: per variant impressions, conversions and rate; lift and chance to beat control; a sample-ratio check",
  security,
  request: {
    params: idParamSchema,
    query: z.object({ metric: z.string().min(1).max(100), control: keySchema.optional() }),
  },
  responses: {
    200: {
      description: 'Results',
      ...json(
        z
          .object({
            feature_id: z.uuid(),
            key: z.string(),
            environment: z.string(),
            metric: z.string(),
            control: z.string(),
            method: z.string(),
            variants: z.array(variantResultSchema),
            srm: z.object({ chi_square: z.number(), degrees_of_freedom: z.number().int(), p_value: z.number(), mismatch: z.boolean(), expected: z.record(z.string(), z.number()) }).nullable(),
            multiple_exposures: z.number().int(),
            /** Subjects a rule or the default (outside the rollout) served first: not randomized, not counted. */
            outside_experiment: z.number().int(),
            /** False when the environment has no conversion of this metric at all (a misspelt name?). */
            metric_seen: z.boolean(),
          })
          .openapi('FeatureStats'),
      ),
    },
    ...errorResponses(401, 404, 422),
  },
});

export function featureEventRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(ingestRoute, async (c) => {
      const { environment, events } = c.req.valid('json');
      const caller = callerOf(c);
      assertEnvironmentRole(caller, environment, 'viewer');
      // Events are the one table SDKs grow on their own: they count against the workspace's storage.
      await assertQuotaRoom(deps, caller, 'storageGb');
      const now = new Date();
      const accepted = await insertFeatureEvents(
        deps.db,
        events.map((event) => ({
          workspaceId: caller.workspaceId,
          environment,
          eventId: event.id,
          kind: event.kind,
          featureKey: event.kind === 'impression' ? (event.feature_key ?? null) : null,
          variant: event.kind === 'impression' ? (event.variant ?? null) : null,
          reason: event.kind === 'impression' ? (event.reason ?? null) : null,
          metric: event.kind === 'conversion' ? (event.metric ?? null) : null,
          subject: event.subject,
          occurredAt: event.timestamp ? new Date(event.timestamp) : now,
        })),
      );
      return c.json({ accepted, duplicates: events.length - accepted }, 202);
    })
    .openapi(statsRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { metric, control: askedControl } = c.req.valid('query');
      const { workspaceId } = callerOf(c);
      const row = await findFeature(deps.db, workspaceId, id);
      if (!row) throw ApiError.notFound(`feature ${id}`);
      const flag = toFlagDefinition(row);
      const control = askedControl ?? flag.default_variant;
      if (!flag.variants.some((variant) => variant.key === control)) {
        throw new ApiError(422, 'validation_failed', `${row.key} has no variant ${control}`, [{ path: 'query.control', message: `one of ${flag.variants.map((variant) => variant.key).join(', ')}` }]);
      }
      const { variants: exposures, multipleExposures, outsideExperiment, metricSeen } = await flagExposures(deps.db, workspaceId, row.environment, row.key, metric);
      const counted = new Map(exposures.map((exposure) => [exposure.variant, exposure]));
      const results = experimentStats(
        flag.variants.map((variant) => ({ key: variant.key, impressions: counted.get(variant.key)?.impressions ?? 0, conversions: counted.get(variant.key)?.conversions ?? 0, weight: variant.weight })),
        control,
      );
      const weights = new Map(flag.variants.map((variant) => [variant.key, variant.weight]));
      return c.json(
        {
          feature_id: row.id,
          key: row.key,
          environment: row.environment,
          metric,
          control,
          method: results.method,
          variants: results.variants.map((variant) => ({ ...variant, weight: weights.get(variant.key) ?? 0 })),
          srm: results.srm,
          multiple_exposures: multipleExposures,
          outside_experiment: outsideExperiment,
          metric_seen: metricSeen,
        },
        200,
      );
    });
}

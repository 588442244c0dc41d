import { createRoute, z } from '@hono/zod-openapi';
import { findFeature, toFlagDefinition } from '../../db/repositories/features.ts';
import { flagFieldsSchema } from '../../flags/definition.ts';
import { movedShare } from '../../flags/evaluate.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';

// What a weight or rollout change would do before it is saved (PUT /features/{id} saves it). Changes nothing.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const bodySchema = z
  .object({
    variants: z
      .array(z.object({ key: flagFieldsSchema.shape.key, weight: z.number().int().min(0).max(1000) }).strict())
      .min(1)
      .max(50)
      .optional(),
    rollout_pct: z.number().int().min(0).max(100).optional(),
  })
  .strict();

const previewSchema = z
  .object({
    moved_share: z.number().openapi({ description: 'Share (0–1) of the contexts in the weighted split whose variant would change (over a sample of ids)' }),
    moved_buckets_estimate: z.number().int().openapi({ description: 'The same as whole buckets of 100: about this many in every 100 of those contexts move' }),
    rollout: z.object({
      from: z.number().int(),
      to: z.number().int(),
      added_share: z.number().openapi({ description: 'Share (0–1) of all contexts that would enter the rollout' }),
      removed_share: z.number().openapi({ description: 'Share (0–1) that would leave it; raising a rollout only adds (buckets stay put)' }),
    }),
  })
  .openapi('FeaturePreview');

const previewRoute = createRoute({
  method: 'post',
  path: '/{id}/preview',
  summary: 'Preview a change of variant weights (variants not given keep theirs) and of the rollout: who would move',
  security,
  request: { params: idParamSchema, body: { required: true, ...json(bodySchema) } },
  responses: { 200: { description: 'The preview', ...json(previewSchema) }, ...errorResponses(400, 401, 404, 422) },
});

export function featurePreviewRoutes(deps: ApiDeps) {
  return createRouter().openapi(previewRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const row = await findFeature(deps.db, callerOf(c).workspaceId, id);
    if (!row) throw ApiError.notFound(`feature ${id}`);
    const flag = toFlagDefinition(row);
    const known = new Set(flag.variants.map((variant) => variant.key));
    const seen = new Set<string>();
    const problems: Array<{ path: string; message: string }> = [];
    for (const [index, variant] of (body.variants ?? []).entries()) {
      if (!known.has(variant.key)) problems.push({ path: `json.variants.${index}.key`, message: `no variant ${variant.key}` });
      if (seen.has(variant.key)) problems.push({ path: `json.variants.${index}.key`, message: `variant ${variant.key} appears twice` });
      seen.add(variant.key);
    }
    if (problems.length > 0) throw new ApiError(422, 'validation_failed', 'request json failed validation', problems);

    const moved = movedShare(flag, Object.fromEntries((body.variants ?? []).map((variant) => [variant.key, variant.weight])));
    // Rollout buckets (1–100) stay put, so a new percentage adds or removes exactly the buckets in between.
    const from = flag.rollout_pct;
    const to = body.rollout_pct ?? from;
    return c.json(
      {
        moved_share: moved,
        moved_buckets_estimate: Math.round(moved * 100),
        rollout: { from, to, added_share: Math.max(0, to - from) / 100, removed_share: Math.max(0, from - to) / 100 },
      },
      200,
    );
  });
}

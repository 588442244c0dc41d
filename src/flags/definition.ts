import { z } from '@hono/zod-openapi';

/** What the API takes for a flag; checked as a whole so a saved flag always evaluates (src/flags/evaluate.ts). */

export const keySchema = z.string().regex(/^[a-z0-9]([-_.a-z0-9]{0,62}[a-z0-9])?$/, 'lower-case letters, digits, "-", "_" and ".", at most 64');
const operators = ['in', 'not_in', 'equals', 'starts_with', 'ends_with', 'regex', 'semver_eq', 'semver_gt', 'semver_lt', 'num_eq', 'num_gt', 'num_gte', 'num_lt', 'num_lte'] as const;

export const conditionSchema = z
  .object({
    attribute: z.string().min(1).max(100),
    operator: z.enum(operators),
    values: z.array(z.string().max(500)).min(1).max(1000),
  })
  .strict()
  .superRefine((condition, ctx) => {
    if (condition.operator !== 'regex') return;
    for (const [index, pattern] of condition.values.entries()) {
      try {
        new RegExp(pattern, 'u');
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['values', index], message: `not a regular expression: ${(error as Error).message}` });
      }
    }
  });

const ruleSchema = z
  .object({
    id: keySchema,
    conditions: z.array(conditionSchema).max(50).default([]),
    segments: z.array(keySchema).max(20).optional(),
    variant: keySchema.optional(),
    rollout_pct: z.number().int().min(0).max(100).optional(),
  })
  .strict();

const variantSchema = z.object({ key: keySchema, value: z.unknown(), weight: z.number().int().min(0).max(1000) }).strict();

export const flagTypes = ['boolean', 'string', 'number', 'json'] as const;

/** The fields, unchecked as a whole (PUT reuses them without key and environment). */
export const flagFieldsSchema = z
  .object({
    key: keySchema,
    environment: keySchema,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
    type: z.enum(flagTypes),
    enabled: z.boolean().default(false),
    variants: z.array(variantSchema).min(1).max(50),
    default_variant: keySchema,
    rollout_pct: z.number().int().min(0).max(100).default(0),
    rules: z.array(ruleSchema).max(100).default([]),
    stickiness: z.string().min(1).max(100).default('user_id'),
  })
  .strict();

export const flagBodySchema = flagFieldsSchema
  .superRefine((flag, ctx) => {
    const keys = new Set<string>();
    for (const [index, variant] of flag.variants.entries()) {
      if (keys.has(variant.key)) ctx.addIssue({ code: 'custom', path: ['variants', index, 'key'], message: `variant ${variant.key} appears twice` });
      keys.add(variant.key);
      const ok =
        flag.type === 'json' ||
        (flag.type === 'boolean' && typeof variant.value === 'boolean') ||
        (flag.type === 'string' && typeof variant.value === 'string') ||
        (flag.type === 'number' && typeof variant.value === 'number');
      if (!ok) ctx.addIssue({ code: 'custom', path: ['variants', index, 'value'], message: `a ${flag.type} flag's variants hold ${flag.type} values` });
    }
    if (!keys.has(flag.default_variant)) ctx.addIssue({ code: 'custom', path: ['default_variant'], message: `no variant ${flag.default_variant}` });
    const ruleIds = new Set<string>();
    for (const [index, rule] of flag.rules.entries()) {
      if (ruleIds.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `rule ${rule.id} appears twice` });
      ruleIds.add(rule.id);
      if (rule.variant !== undefined && !keys.has(rule.variant)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'variant'], message: `no variant ${rule.variant}` });
    }
  })
  .openapi('FeatureFlagBody');
export type FlagBody = z.infer<typeof flagBodySchema>;

import semver from 'semver';
import { bucketOf, pickVariant } from './bucket.ts';

/**
 * A flag's evaluation for one context, as a pure function: targeting rules in order, then the rollout, then the
 * default. Reasons are OpenFeature's (TARGETING_MATCH, SPLIT, DEFAULT, DISABLED, ERROR); buckets are Unleash's
 * (src/flags/bucket.ts), so a rollout only ever grows and variants stay put while weights stay put.
 */

export type FlagType = 'boolean' | 'string' | 'number' | 'json';
export type Operator =
  | 'in'
  | 'not_in'
  | 'equals'
  | 'starts_with'
  | 'ends_with'
  | 'regex'
  | 'semver_eq'
  | 'semver_gt'
  | 'semver_lt'
  | 'num_eq'
  | 'num_gt'
  | 'num_gte'
  | 'num_lt'
  | 'num_lte';

export interface Condition {
  /** `user_id`, `role`, `workspace`, or any custom attribute of the context. */
  attribute: string;
  operator: Operator;
  values: string[];
}

export interface Rule {
  id: string;
  /** All must hold (and each segment named): a rule is an AND of its conditions. */
  conditions: Condition[];
  segments?: string[];
  /** The variant those contexts get; without one, they go on through the flag's weighted split. */
  variant?: string;
  /** Of the matching contexts, this share (0–100) gets the rule; the others fall through. Default 100. */
  rollout_pct?: number;
}

export interface FlagVariant {
  key: string;
  value: unknown;
  weight: number;
}

export interface FlagDefinition {
  key: string;
  type: FlagType;
  enabled: boolean;
  variants: FlagVariant[];
  /** What a context gets when the flag is off, outside the rollout, or when nothing else applies. */
  default_variant: string;
  /** Share (0–100) of contexts in the weighted split of the variants; the others get the default. */
  rollout_pct: number;
  rules: Rule[];
  /** Which attribute keeps a person in their bucket; `user_id` unless said otherwise. */
  stickiness?: string;
  version: number;
}

export interface Segment {
  key: string;
  conditions: Condition[];
}

export type EvaluationContext = Record<string, string | number | boolean | undefined>;

export type Reason = 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED' | 'ERROR';

export interface Evaluation {
  variant: string;
  value: unknown;
  reason: Reason;
  rule_id: string | null;
  /** The context's rollout bucket (1–100), when the context had the stickiness attribute. */
  bucket: number | null;
  context_matched: boolean;
  flag_version: number;
  error?: string;
}

/** Whether one condition holds for a context; a missing attribute never matches (not even `not_in`). */
export function conditionHolds(condition: Condition, context: EvaluationContext): boolean {
  const raw: unknown = context[condition.attribute];
  // Only strings, numbers and booleans are attributes (an SDK's context may hold objects and dates).
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return false;
  const value = String(raw);
  const { values } = condition;
  switch (condition.operator) {
    case 'in':
    case 'equals':
      return values.includes(value);
    case 'not_in':
      return !values.includes(value);
    case 'starts_with':
      return values.some((prefix) => value.startsWith(prefix));
    case 'ends_with':
      return values.some((suffix) => value.endsWith(suffix));
    case 'regex':
      return values.some((pattern) => safeRegex(pattern)?.test(value) ?? false);
    case 'semver_eq':
    case 'semver_gt':
    case 'semver_lt': {
      const version = semver.valid(value);
      if (!version) return false;
      return values.some((other) => {
        const against = semver.valid(other);
        if (!against) return false;
        return condition.operator === 'semver_eq' ? semver.eq(version, against) : condition.operator === 'semver_gt' ? semver.gt(version, against) : semver.lt(version, against);
      });
    }
    default: {
      const number = Number(value);
      if (!Number.isFinite(number)) return false;
      return values.some((other) => {
        const against = Number(other);
        if (!Number.isFinite(against)) return false;
        switch (condition.operator) {
          case 'num_eq':
            return number === against;
          case 'num_gt':
            return number > against;
          case 'num_gte':
            return number >= against;
          case 'num_lt':
            return number < against;
          default:
            return number <= against;
        }
      });
    }
  }
}

/** A pattern from a flag's rule; an invalid one matches nothing (the API refuses it when the flag is saved). */
function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function valueOf(flag: FlagDefinition, key: string): FlagVariant | undefined {
  return flag.variants.find((variant) => variant.key === key);
}

const noSegments: ReadonlyMap<string, Segment> = new Map();

/** The answer of `variantKey` (ERROR with the default's value when the flag has no such variant). */
function answer(flag: FlagDefinition, variantKey: string, reason: Reason, bucket: number | null, ruleId: string | null = null): Evaluation {
  const variant = valueOf(flag, variantKey);
  if (!variant) {
    return { variant: flag.default_variant, value: valueOf(flag, flag.default_variant)?.value ?? null, reason: 'ERROR', rule_id: null, bucket, context_matched: false, flag_version: flag.version, error: `no variant ${variantKey}` };
  }
  return { variant: variant.key, value: variant.value, reason, rule_id: ruleId, bucket, context_matched: ruleId !== null, flag_version: flag.version };
}

/** Whether every condition of a rule, and of each segment it names, holds (a segment that is not there: no). */
function ruleMatches(rule: Rule, context: EvaluationContext, segments: ReadonlyMap<string, Segment>): boolean {
  for (const condition of rule.conditions) if (!conditionHolds(condition, context)) return false;
  for (const key of rule.segments ?? []) {
    const segment = segments.get(key);
    if (!segment) return false;
    for (const condition of segment.conditions) if (!conditionHolds(condition, context)) return false;
  }
  return true;
}

// Written for the provider's hot path (an evaluation per call, in process): no closures or arrays per call.
export function evaluateFlag(flag: FlagDefinition, context: EvaluationContext, segments: ReadonlyMap<string, Segment> = noSegments): Evaluation {
  const stickiness = flag.stickiness ?? 'user_id';
  // OpenFeature's targetingKey stands for the stickiness attribute when the context does not name it.
  const sticky = context[stickiness] ?? context.targetingKey;
  const identifier = sticky === undefined ? undefined : String(sticky);
  const bucket = identifier === undefined ? null : bucketOf(flag.key, identifier);
  if (!flag.enabled) return answer(flag, flag.default_variant, 'DISABLED', bucket);

  for (const rule of flag.rules) {
    if (!ruleMatches(rule, context, segments)) continue;
    const share = rule.rollout_pct ?? 100;
    // The rule's own share uses the rule id as its group, so it is independent of the flag's rollout.
    if (share < 100 && (identifier === undefined || bucketOf(`${flag.key}:${rule.id}`, identifier) > share)) continue;
    if (rule.variant) return answer(flag, rule.variant, 'TARGETING_MATCH', bucket, rule.id);
    const split = identifier === undefined ? undefined : pickVariant(flag.key, identifier, flag.variants);
    if (split) return answer(flag, split.key, 'TARGETING_MATCH', bucket, rule.id);
  }

  if (identifier === undefined || bucket === null || bucket > flag.rollout_pct) return answer(flag, flag.default_variant, 'DEFAULT', bucket);
  const split = pickVariant(flag.key, identifier, flag.variants);
  return split ? answer(flag, split.key, 'SPLIT', bucket) : answer(flag, flag.default_variant, 'DEFAULT', bucket);
}

/**
 * The share of contexts (estimated over a sample of ids) whose variant would change if the variants' weights became
 * `weights`: what the API shows before a weight change is saved.
 */
export function movedShare(flag: Pick<FlagDefinition, 'key' | 'variants'>, weights: Record<string, number>, sample = 10_000): number {
  const before = flag.variants;
  const after = flag.variants.map((variant) => ({ ...variant, weight: weights[variant.key] ?? variant.weight }));
  let moved = 0;
  for (let i = 0; i < sample; i++) {
    const id = `sample-${i}`;
    if (pickVariant(flag.key, id, before)?.key !== pickVariant(flag.key, id, after)?.key) moved++;
  }
  return moved / sample;
}

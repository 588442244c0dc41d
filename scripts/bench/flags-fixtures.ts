// The flags and contexts of `npm run bench:flags`, said twice: as Cutover flags (POST /api/v1/features) and as
// the same flags in Unleash's client format (bootstrap data of unleash-client in offline mode). Both evaluate
// them with Unleash's buckets (MurmurHash3 of `group:userId`, seed 0 for a rollout, 86028157 for a variant; the
// group is the flag's key on both sides), so for one context both must give the same answer.

export type BenchFlagKind = 'rollout' | 'targeted' | 'variants';

export interface BenchFlag {
  key: string;
  kind: BenchFlagKind;
  /** Share (0–100) of users in the gradual rollout. */
  rollout: number;
  /** A targeting rule: those users are in whatever the rollout says (Unleash: a strategy of its own at 100%). */
  constraint?: { attribute: 'country' | 'email'; operator: 'in' | 'ends_with'; values: string[] };
  /** Variants and weights (summing to 1000) of a string flag. */
  weights?: Record<string, number>;
}

export interface BenchContext {
  userId: string;
  country: string;
  email: string;
}

/** What the default variant of a Cutover variant flag is called: Unleash calls it `disabled`. */
const outside = 'off';

const countries = ['NO', 'SE', 'DK', 'DE', 'FR', 'US', 'GB', 'ES'];

/** 20 flags: 10 gradual rollouts, 5 targeted ones (IN / ends-with) with a rollout, 5 string flags with weighted variants (2 targeted). */
export function benchFlags(): BenchFlag[] {
  const flags: BenchFlag[] = [];
  [1, 5, 10, 20, 25, 33, 50, 66, 75, 90].forEach((rollout, i) => flags.push({ key: `bench-rollout-${i}`, kind: 'rollout', rollout }));
  [10, 20, 30, 40, 50].forEach((rollout, i) =>
    flags.push({
      key: `bench-targeted-${i}`,
      kind: 'targeted',
      rollout,
      constraint: i % 2 === 0 ? { attribute: 'country', operator: 'in', values: ['NO', 'SE', 'DK'] } : { attribute: 'email', operator: 'ends_with', values: ['@example.com'] },
    }),
  );
  const weightSets: Record<string, number>[] = [
    { a: 500, b: 500 },
    { a: 334, b: 333, c: 333 },
    { a: 500, b: 300, c: 200 },
    { a: 100, b: 900 },
    { a: 250, b: 250, c: 250, d: 250 },
  ];
  [100, 50, 80, 100, 30].forEach((rollout, i) =>
    flags.push({
      key: `bench-variants-${i}`,
      kind: 'variants',
      rollout,
      weights: weightSets[i]!,
      ...(i >= 3 ? { constraint: i === 3 ? { attribute: 'country' as const, operator: 'in' as const, values: ['DE', 'FR'] } : { attribute: 'email' as const, operator: 'ends_with' as const, values: ['@example.com'] } } : {}),
    }),
  );
  return flags;
}

export function benchContexts(count: number): BenchContext[] {
  return Array.from({ length: count }, (_, i) => ({
    userId: `user-${i}`,
    country: countries[i % countries.length]!,
    email: `u${i}@${i % 5 === 0 ? 'example.com' : 'mail.test'}`,
  }));
}

/** The body of POST /api/v1/features for a flag. */
export function cutoverFlagBody(flag: BenchFlag, environment: string): Record<string, unknown> {
  const rules = flag.constraint ? [{ id: 'target', conditions: [{ attribute: flag.constraint.attribute, operator: flag.constraint.operator, values: flag.constraint.values }], ...(flag.kind === 'variants' ? {} : { variant: 'on' }) }] : [];
  const variants =
    flag.kind === 'variants'
      ? [{ key: outside, value: outside, weight: 0 }, ...Object.entries(flag.weights!).map(([key, weight]) => ({ key, value: key, weight }))]
      : [
          { key: 'on', value: true, weight: 100 },
          { key: 'off', value: false, weight: 0 },
        ];
  return {
    key: flag.key,
    environment,
    name: flag.key,
    type: flag.kind === 'variants' ? 'string' : 'boolean',
    enabled: true,
    variants,
    default_variant: 'off',
    rollout_pct: flag.rollout,
    rules,
    stickiness: 'user_id',
  };
}

/** The same flag as Unleash's client API sends it (unleash-client's FeatureInterface). */
export function unleashFeature(flag: BenchFlag): Record<string, unknown> {
  const rollout = (percentage: number, constraints: unknown[] = []) => ({
    name: 'flexibleRollout',
    parameters: { rollout: String(percentage), stickiness: 'userId', groupId: flag.key },
    constraints,
  });
  const strategies = [];
  if (flag.constraint) {
    const { attribute, operator, values } = flag.constraint;
    strategies.push(rollout(100, [{ contextName: attribute, operator: operator === 'in' ? 'IN' : 'STR_ENDS_WITH', values, inverted: false, caseInsensitive: false }]));
  }
  strategies.push(rollout(flag.rollout));
  return {
    name: flag.key,
    type: 'release',
    project: 'default',
    enabled: true,
    stale: false,
    impressionData: false,
    strategies,
    variants: flag.weights ? Object.entries(flag.weights).map(([name, weight]) => ({ name, weight, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: name } })) : [],
  };
}

/** One answer, said the same way for both: `true`/`false` for a boolean flag, the variant's name for the others. */
export function normalAnswer(flag: BenchFlag, answer: boolean | string | undefined): string {
  if (flag.kind !== 'variants') return String(answer);
  return answer === outside ? 'disabled' : String(answer);
}

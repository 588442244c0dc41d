import type { EvaluationContext, FlagDefinition } from './evaluate.ts';

/**
 * An OpenFeature context as evaluation takes it: attributes that are strings, numbers or booleans (others are
 * dropped), and OpenFeature's `targetingKey` as the flag's stickiness attribute unless the context names that
 * attribute itself. OFREP (src/api/routes/ofrep.ts) and the in-repo provider (src/sdk/) both use it.
 */
export function contextFor(flag: Pick<FlagDefinition, 'stickiness'>, given: Record<string, unknown>): EvaluationContext {
  const context: EvaluationContext = {};
  for (const [name, value] of Object.entries(given)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') context[name] = value;
  }
  const stickiness = flag.stickiness ?? 'user_id';
  if (context[stickiness] === undefined && typeof given.targetingKey === 'string') context[stickiness] = given.targetingKey;
  return context;
}

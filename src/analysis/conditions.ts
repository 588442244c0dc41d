import { Environment } from '@marcbachmann/cel-js';

// Conditions are CEL, the expression language of Kubernetes' validation rules. CEL is not Turing complete, has
// no I/O, and its evaluator walks its own syntax tree: an expression from an API request cannot reach a
// JavaScript prototype, a global or the worker process (no eval, no Function).
//
// Numbers arrive as CEL doubles (JSON and Prometheus know no integers). Comparisons mix int and double freely
// (`result == 0`, `result < 0.05`), but arithmetic does not: write `result * 100.0`, not `result * 100`.

/** What a condition can read: the measured value, and the analysis' arguments as strings. */
const environment = new Environment()
  .registerVariable('result', 'dyn')
  .registerVariable('args', 'map<string, string>');

/** A condition that does not parse, does not type-check, or did not evaluate to a boolean. */
export class ConditionError extends Error {}

/** A condition parsed and checked once, run once per measurement. */
export interface CompiledCondition {
  /** The expression as written. */
  readonly expression: string;
  /** True or false for this value; throws ConditionError when it cannot say. */
  test(result: unknown, args: Readonly<Record<string, string>>): boolean;
}

/** Parses and type-checks a condition; throws ConditionError saying why it is not one. */
export function compileCondition(expression: string): CompiledCondition {
  if (expression.includes('{{')) {
    throw new ConditionError('conditions read arguments as args.<name> (e.g. double(args.max)), not {{args.<name>}}');
  }
  let evaluate: ReturnType<Environment['parse']>;
  try {
    evaluate = environment.parse(expression);
    const checked = evaluate.check();
    if (!checked.valid) throw checked.error ?? new Error('it does not type-check');
    if (checked.type !== 'bool' && checked.type !== 'dyn') throw new Error(`it yields ${checked.type}, not a boolean`);
  } catch (error) {
    throw new ConditionError(`not a valid condition: ${firstLine(error)}`, { cause: error });
  }
  return {
    expression,
    test(result, args) {
      let value: unknown;
      try {
        value = evaluate({ result, args });
      } catch (error) {
        throw new ConditionError(`${expression}: ${firstLine(error)}`, { cause: error });
      }
      if (typeof value !== 'boolean') throw new ConditionError(`${expression}: yields ${describeValue(value)}, not a boolean`);
      return value;
    },
  };
}

/** Why the expression is not a valid condition, or undefined when it is (for schema validation). */
export function conditionProblem(expression: string): string | undefined {
  try {
    compileCondition(expression);
    return undefined;
  } catch (error) {
    return error instanceof ConditionError ? error.message : String(error);
  }
}

/** The conditions of a metric, as the schema keeps them. */
export interface MetricConditions {
  /** True means the measurement succeeded. */
  successCondition?: string;
  /** True means the measurement failed. */
  failureCondition?: string;
}

/** How one measured value came out against a metric's conditions. */
export type ConditionOutcome = 'successful' | 'failed' | 'inconclusive';

/**
 * Judges a value: success true → successful; failure true → failed; only one condition given and it is
 * false → the opposite; both given and neither true → inconclusive; none given → `withoutConditions`
 * (successful for values, the exit code's meaning for Jobs). Throws ConditionError when a condition cannot say.
 */
export function judge(
  conditions: MetricConditions,
  result: unknown,
  args: Readonly<Record<string, string>>,
  withoutConditions: 'successful' | 'failed' = 'successful',
): ConditionOutcome {
  const { successCondition, failureCondition } = conditions;
  if (successCondition !== undefined && compileCondition(successCondition).test(result, args)) return 'successful';
  if (failureCondition !== undefined && compileCondition(failureCondition).test(result, args)) return 'failed';
  if (successCondition !== undefined && failureCondition !== undefined) return 'inconclusive';
  if (successCondition !== undefined) return 'failed';
  if (failureCondition !== undefined) return 'successful';
  return withoutConditions;
}

/** The argument names a condition reads as `args.<name>` (so a missing one is caught before measuring). */
export function argsReadBy(expression: string): string[] {
  return [...expression.matchAll(/(?<![\w.])args\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] ?? '');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${value}`;
  return typeof value;
}

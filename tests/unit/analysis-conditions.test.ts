// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { compileCondition, conditionProblem, ConditionError, judge } from '../../src/analysis/conditions.ts';
import { analysisSchema, metricSchema } from '../../src/analysis/types.ts';

const noArgs = {};
const test = (expression: string, result: unknown, args: Record<string, string> = noArgs) => compileCondition(expression).test(result, args);

describe('conditions', () => {
  it('compares numbers, with int and double literals alike', () => {
    expect(test('result < 0.05', 0.01)).toBe(true);
    expect(test('result < 0.05', 0.2)).toBe(false);
    expect(test('result == 0', 0)).toBe(true);
    expect(test('result == 0', 1)).toBe(false);
    expect(test('result >= 99.5', 99.7)).toBe(true);
    expect(test('result >= 99.5', 99)).toBe(false);
    expect(test('result > 100', Number.POSITIVE_INFINITY)).toBe(true);
  });

  it('reads fields of objects, sizes of lists and strings, and the analysis arguments', () => {
    expect(test('result.status == "ok"', { status: 'ok' })).toBe(true);
    expect(test('result.status == "ok"', { status: 'degraded' })).toBe(false);
    expect(test('result.checks.all(c, c.ok)', { checks: [{ ok: true }, { ok: false }] })).toBe(false);
    expect(test('size(result) > 0', [1, 2])).toBe(true);
    expect(test('size(result) > 0', '')).toBe(false);
    expect(test('result < double(args.maxErrorRate)', 0.01, { maxErrorRate: '0.05' })).toBe(true);
  });

  it('rejects expressions that do not parse or type-check, with a reason', () => {
    expect(conditionProblem('result <')).toMatch(/^not a valid condition: /);
    expect(conditionProblem('result === 0')).toMatch(/^not a valid condition: /);
    expect(conditionProblem('errorRate < 0.05')).toMatch(/Unknown variable: errorRate/);
    expect(conditionProblem('result < {{args.max}}')).toMatch(/args\.<name>/);
    expect(conditionProblem('"a" + "b"')).toMatch(/yields string, not a boolean/);
    expect(conditionProblem('result < 0.05')).toBeUndefined();
    expect(() => compileCondition('(')).toThrow(ConditionError);
  });

  it('cannot run code: JavaScript globals, prototypes and constructors are out of reach', () => {
    expect(conditionProblem('process.exit(1)')).toMatch(/Unknown variable: process/);
    expect(conditionProblem('constructor.constructor("return process")()')).toMatch(/^not a valid condition/);
    expect(conditionProblem('result.constructor.constructor("process.exit(1)")()')).toMatch(/^not a valid condition/);
    expect(conditionProblem('globalThis.process == null')).toMatch(/Unknown variable: globalThis/);
    // Reaching for a prototype is a missing key, never the JavaScript object behind it.
    expect(() => test('result.constructor == null', {})).toThrow(/No such key: constructor/);
    expect(() => test('result["__proto__"] == null', {})).toThrow(/No such key: __proto__/);
    expect(test('has(result.constructor)', { a: 1 })).toBe(false);
    // The worker is still here to run the next assertion.
    expect(process.exitCode).toBeUndefined();
  });

  it('reports a condition that cannot say (a missing field, a non-boolean) as a ConditionError', () => {
    expect(() => test('result.status == "ok"', { other: 1 })).toThrow(ConditionError);
    expect(() => test('result', 3)).toThrow(/not a boolean/);
    expect(test('result', true)).toBe(true);
  });
});

describe('judging a value against the conditions', () => {
  const success = 'result < 0.05';
  const failure = 'result > 0.1';

  it('follows the success and failure conditions', () => {
    expect(judge({ successCondition: success }, 0.01, noArgs)).toBe('successful');
    expect(judge({ successCondition: success }, 0.07, noArgs)).toBe('failed');
    expect(judge({ failureCondition: failure }, 0.2, noArgs)).toBe('failed');
    expect(judge({ failureCondition: failure }, 0.07, noArgs)).toBe('successful');
    expect(judge({ successCondition: success, failureCondition: failure }, 0.01, noArgs)).toBe('successful');
    expect(judge({ successCondition: success, failureCondition: failure }, 0.2, noArgs)).toBe('failed');
    expect(judge({ successCondition: success, failureCondition: failure }, 0.07, noArgs)).toBe('inconclusive');
  });

  it('without conditions takes what the provider says (successful for values, the exit code for Jobs)', () => {
    expect(judge({}, 42, noArgs)).toBe('successful');
    expect(judge({}, 1, noArgs, 'failed')).toBe('failed');
    expect(judge({ successCondition: 'result == 1' }, 1, noArgs, 'failed')).toBe('successful');
  });
});

describe('analysis schema', () => {
  const metric = { name: 'errors', provider: { type: 'web', url: 'http://x/metrics', jsonPath: 'rate' } };

  it('accepts valid conditions and fills the defaults', () => {
    const parsed = metricSchema.parse({ ...metric, successCondition: 'result < 0.05', failureCondition: 'result >= 0.1' });
    expect(parsed).toMatchObject({ count: 1, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 });
    expect(parsed.provider).toMatchObject({ timeoutMs: 5_000, headers: {} });
  });

  it('rejects a condition that does not parse, naming the field', () => {
    const result = analysisSchema.safeParse({ metrics: [{ ...metric, successCondition: 'result <' }, { ...metric, failureCondition: 'process.exit(1)' }] });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    expect(issues).toEqual([
      { path: 'metrics.0.successCondition', message: expect.stringMatching(/^not a valid condition/) as unknown },
      { path: 'metrics.1.failureCondition', message: expect.stringMatching(/Unknown variable: process/) as unknown },
    ]);
  });
});

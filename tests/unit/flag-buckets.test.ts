import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bucketOf, inRollout, pickVariant } from '../../src/flags/bucket.ts';

// Cutover's buckets against Unleash's client specification (@unleash/client-specification): every test of the
// gradual-rollout, flexible-rollout, custom-stickiness, variant and UTF-8 files whose flag uses only rollout
// strategies without constraints, replayed through bucketOf/inRollout/pickVariant. Same answers: same buckets.

const require = createRequire(import.meta.url);
const specDir = require.resolve('@unleash/client-specification/specifications/index.json').replace(/index\.json$/, '');
const spec = (file: string) => JSON.parse(readFileSync(`${specDir}${file}`, 'utf8')) as Spec;

type Context = { userId?: string; sessionId?: string; remoteAddress?: string; properties?: Record<string, string> } & Record<string, unknown>;
interface Strategy {
  name: string;
  parameters?: Record<string, string>;
  constraints?: unknown[];
  segments?: unknown[];
  variants?: unknown[];
}
interface Variant {
  name: string;
  weight: number;
  stickiness?: string;
  payload?: unknown;
  overrides?: Array<{ contextName: string; values: string[] }>;
}
interface Feature {
  name: string;
  enabled: boolean;
  strategies: Strategy[];
  variants?: Variant[];
  dependencies?: unknown[];
}
interface Spec {
  state: { features: Feature[]; segments?: unknown[] };
  tests?: Array<{ description: string; context: Context; toggleName: string; expectedResult: boolean }>;
  variantTests?: Array<{ description: string; context: Context; toggleName: string; expectedResult: { name: string; enabled: boolean; payload?: unknown; feature_enabled?: boolean } }>;
}

/** The identifier a stickiness picks from a context; undefined: none (random stickiness is not replayable). */
function stickyValue(context: Context, stickiness: string, fallback: Array<'userId' | 'sessionId' | 'remoteAddress'>): string | undefined {
  if (stickiness === 'default') return fallback.map((field) => context[field]).find((value): value is string => typeof value === 'string');
  const value = context[stickiness] ?? context.properties?.[stickiness];
  return typeof value === 'string' ? value : undefined;
}

const unsupported = Symbol('unsupported');

/** Unleash's isEnabled for the rollout strategies, or `unsupported` for anything else (constraints, segments…). */
function enabled(feature: Feature | undefined, context: Context): boolean | typeof unsupported {
  if (!feature) return false;
  if (feature.dependencies?.length) return unsupported;
  if (!feature.enabled) return false;
  if (feature.strategies.length === 0) return true;
  let result = false;
  for (const strategy of feature.strategies) {
    if (strategy.constraints?.length || strategy.segments?.length || strategy.variants?.length) return unsupported;
    const parameters = strategy.parameters ?? {};
    if (strategy.name === 'default') result ||= true;
    else if (strategy.name === 'flexibleRollout') {
      const rollout = Number(parameters.rollout);
      const stickiness = parameters.stickiness ?? 'default';
      if (stickiness === 'random') {
        if (rollout !== 0 && rollout !== 100) return unsupported;
        result ||= rollout === 100;
        continue;
      }
      const id = stickyValue(context, stickiness, ['userId', 'sessionId']);
      if (id === undefined) {
        if (stickiness !== 'default' || (rollout !== 0 && rollout !== 100)) {
          if (stickiness !== 'default') continue;
          return unsupported;
        }
        result ||= rollout === 100;
        continue;
      }
      result ||= inRollout(parameters.groupId ?? feature.name, id, rollout);
    } else if (strategy.name === 'gradualRolloutUserId' || strategy.name === 'gradualRolloutSessionId') {
      const id = strategy.name === 'gradualRolloutUserId' ? context.userId : context.sessionId;
      if (id !== undefined) result ||= inRollout(parameters.groupId ?? feature.name, id, Number(parameters.percentage));
    } else return unsupported;
  }
  return result;
}

/** Unleash's getVariant for features whose variants are picked by weight (overrides honoured). */
function variant(feature: Feature | undefined, context: Context) {
  const on = enabled(feature, context);
  if (on === unsupported) return unsupported;
  if (!feature || !on) return { name: 'disabled', enabled: false, feature_enabled: false };
  const variants = feature.variants ?? [];
  if (variants.length === 0) return { name: 'disabled', enabled: false, feature_enabled: true };
  const override = variants.find((candidate) =>
    candidate.overrides?.some((rule) => {
      const value = context[rule.contextName] ?? context.properties?.[rule.contextName];
      return typeof value === 'string' && rule.values.includes(value);
    }),
  );
  const stickiness = variants[0]?.stickiness ?? 'default';
  const id = stickyValue(context, stickiness, ['userId', 'sessionId', 'remoteAddress']);
  const chosen = override ?? (id === undefined ? undefined : pickVariant(feature.name, id, variants));
  if (!chosen) return unsupported;
  return { name: chosen.name, ...(chosen.payload ? { payload: chosen.payload } : {}), enabled: true, feature_enabled: true };
}

const files = [
  '03-gradual-rollout-user-id-strategy.json',
  '04-gradual-rollout-session-id-strategy.json',
  '08-variants.json',
  '10-flexible-rollout-strategy.json',
  '12-custom-stickiness.json',
  '18-utf8-flag-names.json',
];

describe("buckets compatible with Unleash's client specification", () => {
  let checked = 0;
  for (const file of files) {
    const { state, tests = [], variantTests = [] } = spec(file);
    const byName = new Map(state.features.map((feature) => [feature.name, feature]));
    for (const test of tests) {
      const answer = enabled(byName.get(test.toggleName), test.context);
      if (answer === unsupported) continue;
      it(`${file}: ${test.description}`, () => expect(answer).toBe(test.expectedResult));
      checked++;
    }
    for (const test of variantTests) {
      const answer = variant(byName.get(test.toggleName), test.context);
      if (answer === unsupported) continue;
      it(`${file} (variant): ${test.description}`, () => expect(answer).toMatchObject(test.expectedResult));
      checked++;
    }
  }
  it('replays enough of the specification to mean something', () => expect(checked).toBeGreaterThanOrEqual(40));
});

describe('buckets', () => {
  it('spread a million ids evenly over 100 buckets (chi-square, 99 degrees of freedom, p > 0.001)', () => {
    const counts = new Array<number>(101).fill(0);
    for (let i = 0; i < 1_000_000; i++) counts[bucketOf('uniformity', String(i))]!++;
    expect(counts[0]).toBe(0);
    const expected = 10_000;
    const chiSquare = counts.slice(1).reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 148.23 is the 0.999 quantile of chi-square with 99 degrees of freedom.
    expect(chiSquare).toBeLessThan(148.23);
  });

  it('only ever add users when a rollout rises (property over 5,000 ids and every step)', () => {
    const violations: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const id = `user-${i}`;
      let was = false;
      for (let percentage = 0; percentage <= 100; percentage++) {
        const now = inRollout('monotone', id, percentage);
        if (was && !now) violations.push(`${id} left at ${percentage}%`);
        was = now;
      }
      if (!was) violations.push(`${id} not in at 100%`);
    }
    expect(violations).toEqual([]);
  });

  it('hash the UTF-8 bytes of a name', () => {
    expect(bucketOf('ß', 'ü', 1_000_000)).toBe(bucketOf('ß', 'ü', 1_000_000));
    expect(bucketOf('ß', 'ü', 1_000_000)).not.toBe(bucketOf('\u00df', '\u00fc\u0000', 1_000_000));
  });
});

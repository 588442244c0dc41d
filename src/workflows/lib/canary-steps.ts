import type { Analysis } from '../../analysis/types.ts';
import type { Color } from './colors.ts';

/** One step of a canary: move traffic, wait, or judge. */
export type CanaryStep =
  /** Send this percentage of traffic to the canary; the stable colour serves the rest. */
  | { setWeight: number }
  /** Wait this long, or (without a duration) until promoted. */
  | { pause: { durationMs?: number } }
  /** Measure; a failed verdict aborts the canary, an inconclusive one pauses it (or aborts, as configured). */
  | { analysis: Analysis };

/** 5 → 20 → 50 → 100 with a pause after each move (the pause length is the release's `pauseMs`). */
export function defaultCanarySteps(pauseMs: number): CanaryStep[] {
  return [
    { setWeight: 5 },
    { pause: { durationMs: pauseMs } },
    { setWeight: 20 },
    { pause: { durationMs: pauseMs } },
    { setWeight: 50 },
    { pause: { durationMs: pauseMs } },
    { setWeight: 100 },
  ];
}

/** The split that gives the canary `percent` and the stable colour the rest. */
export function canaryWeights(stable: Color, canary: Color, percent: number): Record<Color, number> {
  const weights = { blue: 0, green: 0 };
  weights[canary] = percent;
  weights[stable] = 100 - percent;
  return weights;
}

/** A short name for a step in the deployment's events, e.g. "step-3-set-weight-20". */
export function stepName(step: CanaryStep, index: number): string {
  if ('setWeight' in step) return `step-${index + 1}-set-weight-${step.setWeight}`;
  if ('pause' in step) return `step-${index + 1}-pause`;
  return `step-${index + 1}-analysis`;
}

/** Steps always end with all traffic on the canary: a list that stops short gets `{ setWeight: 100 }` added. */
export function completeSteps(steps: CanaryStep[]): CanaryStep[] {
  const lastWeight = [...steps].reverse().find((step): step is { setWeight: number } => 'setWeight' in step);
  return lastWeight?.setWeight === 100 && 'setWeight' in (steps.at(-1) ?? {}) ? steps : [...steps, { setWeight: 100 }];
}

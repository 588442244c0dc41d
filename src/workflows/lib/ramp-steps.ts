import type { Analysis } from '../../analysis/types.ts';

/** One step of a flag ramp (the API checks a plan with rampPlanSchema, src/flags/ramp.ts). */
export type RampStep = { setRollout: number } | { pause: { durationMs?: number } } | { analysis: Analysis };
export interface RampPlan {
  steps: RampStep[];
}

/** A step's name in the ramp's record: set-rollout-25, pause-2, analysis-3. */
export function rampStepName(step: RampStep, index: number): string {
  if ('setRollout' in step) return `set-rollout-${step.setRollout}`;
  return 'pause' in step ? `pause-${index}` : `analysis-${index}`;
}

/** The rollout a ramp ends at: its last setRollout. */
export function rampTarget(plan: RampPlan): number {
  return plan.steps.reduce((pct, step) => ('setRollout' in step ? step.setRollout : pct), 0);
}

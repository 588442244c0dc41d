import { z } from '@hono/zod-openapi';
import { analysisSchema } from '../analysis/types.ts';

export type { RampPlan, RampStep } from '../workflows/lib/ramp-steps.ts';

/**
 * A flag ramp's plan, like a canary's steps: set the rollout, pause (for a time, or until someone promotes), judge
 * with an analysis (the canary's providers and CEL conditions). It must raise the rollout at least once, and the
 * rollout only goes up: a ramp that lowered it would take users out of the new behaviour on purpose, which is
 * what a failed verdict does (the kill switch, to 0%) and nothing else.
 */

const setRolloutSchema = z.object({ setRollout: z.number().int().min(0).max(100) }).strict();
const pauseSchema = z.object({ pause: z.object({ durationMs: z.number().int().min(0).max(7 * 24 * 3_600_000).optional() }).strict() }).strict();
const analysisStepSchema = z.object({ analysis: analysisSchema }).strict();

export const rampStepSchema = z.union([setRolloutSchema, pauseSchema, analysisStepSchema]);

export const rampPlanSchema = z
  .object({ steps: z.array(rampStepSchema).min(1).max(50) })
  .strict()
  .superRefine((plan, ctx) => {
    let last = -1;
    for (const [index, step] of plan.steps.entries()) {
      if (!('setRollout' in step)) continue;
      if (step.setRollout <= last) ctx.addIssue({ code: 'custom', path: ['steps', index, 'setRollout'], message: `the rollout only goes up in a ramp (${step.setRollout}% after ${last}%)` });
      last = step.setRollout;
    }
    if (last < 0) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a ramp sets the rollout at least once' });
  })
  .openapi('FlagRampPlan');

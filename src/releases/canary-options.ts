import { z } from '@hono/zod-openapi';
import { analysisStepSchema, type Analysis, type AnalysisStep } from '../analysis/types.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { CanaryInput } from '../workflows/canary.ts';
import { completeSteps, defaultCanarySteps, type CanaryStep } from '../workflows/lib/canary-steps.ts';
import type { ReleaseRequest, ReleaseWorkflow } from './start-release.ts';
import { withBackupDefault } from './strategies.ts';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

const canaryStepSchema = z.union([
  z.object({ setWeight: z.number().int().min(0).max(100) }).strict(),
  z.object({ pause: z.object({ durationMs: ms(0, 7 * 86_400_000).optional() }).strict() }).strict(),
  z.object({ analysis: analysisStepSchema }).strict(),
]);

/** Options of a canary release; every duration has a production default. */
export const canaryOptionsSchema = z
  .object({
    /** Default: 5 → 20 → 50 → 100, with a `pauseMs` pause after each move. */
    steps: z.array(canaryStepSchema).min(1).max(100).optional(),
    timings: z
      .object({
        rolloutTimeoutMs: ms(1_000, 3_600_000).default(10 * 60_000),
        rolloutPollMs: ms(100, 60_000).default(2_000),
        /** The pause between default steps. */
        pauseMs: ms(0, 86_400_000).default(5 * 60_000),
        abortScaleDownDelayMs: ms(0, 86_400_000).default(30_000),
        retentionMs: ms(0, 30 * 86_400_000).default(24 * 3_600_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .openapi('CanaryOptions');
export type CanaryOptions = z.infer<typeof canaryOptionsSchema>;

/**
 * Why a canary cannot run on this service, or undefined: a step names a template the service lacks (the request
 * is wrong: 422), or partial weights meet a provider that cannot split (the service's setup is: 409).
 */
export function canaryProblem(definition: ServiceDefinition, options: CanaryOptions): { status: 409 | 422; path?: string; message: string } | undefined {
  for (const [index, step] of (options.steps ?? []).entries()) {
    if ('analysis' in step && 'template' in step.analysis && !definition.analysisTemplates[step.analysis.template]) {
      return { status: 422, path: `json.options.steps.${index}.analysis.template`, message: `the service has no analysis template "${step.analysis.template}"` };
    }
  }
  const partial = (options.steps ?? [{ setWeight: 5 }]).some((step) => 'setWeight' in step && step.setWeight > 0 && step.setWeight < 100);
  if (partial && definition.traffic.provider === 'service-selector') {
    return { status: 409, message: 'a Service selector sends all traffic to one colour: give the service traffic.provider "gateway-api" for a canary' };
  }
  return undefined;
}

/** The analyses a canary's steps write out themselves (templates are the definition's, checked with it). */
export function inlineAnalyses(options: CanaryOptions): Analysis[] {
  return (options.steps ?? []).flatMap((step) => ('analysis' in step && !('template' in step.analysis) ? [step.analysis] : []));
}

export function canaryRelease(request: ReleaseRequest & { image: string }, definition: ServiceDefinition, options: CanaryOptions): ReleaseWorkflow {
  return (deploymentId) => {
    const { pauseMs, ...timings } = options.timings;
    const steps: CanaryStep[] = completeSteps(
      options.steps?.map((step) => ('analysis' in step ? { analysis: resolveAnalysis(definition, step.analysis) } : step)) ?? defaultCanarySteps(pauseMs),
    );
    const input: CanaryInput = {
      workspaceId: request.workspaceId,
      deploymentId,
      service: request.service,
      environment: request.environment,
      version: request.version,
      image: request.image,
      definition: withBackupDefault(definition, request.environment),
      steps,
      timings,
    };
    return { workflowType: 'canaryWorkflow', args: [input] };
  };
}

/** A step's analysis written out: a template of the service with the step's args (checked by canaryProblem). */
function resolveAnalysis(definition: ServiceDefinition, analysis: AnalysisStep): Analysis {
  if (!('template' in analysis)) return analysis;
  const template = definition.analysisTemplates[analysis.template];
  if (!template) throw new Error(`the service has no analysis template "${analysis.template}"`);
  return { ...template, args: analysis.args };
}

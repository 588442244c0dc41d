import type { Scope } from '../bindings/scope.ts';
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import { fillArgs, measure, UnknownArgError } from '../analysis/measure.ts';
import { metricSchema, type Measurement, type Metric } from '../analysis/types.ts';
import { checkMetricProvider } from '../bindings/check.ts';
import { enforce, requireBinding } from '../bindings/enforce.ts';
import { egressRulesFor, type EgressRules } from '../security/egress.ts';
import type { KubeClients } from '../targets/kubernetes/client.ts';
import { egressRulesOf, type EgressDeps } from './lib/egress-binding.ts';

/** Failure types the canary workflow reads back. */
export const analysisFailureTypes = {
  /** The metric is not valid or names an argument the analysis lacks: measuring again cannot help. */
  invalid: 'InvalidAnalysis',
} as const;

export interface MeasureMetricInput extends Scope {
  /** The metric as the analysis defines it; its {{args.<name>}} are filled in here. */
  metric: Metric;
  /** The analysis' arguments. */
  args: Record<string, string>;
}

/** The measuring side of canary analysis; the workflow spaces the measurements and folds them into a verdict. */
export function createAnalysisActivities(deps: EgressDeps & { kube: () => KubeClients; jobPollMs?: number }) {
  return {
    /**
     * Takes one measurement of a metric. A provider that cannot be read gives `phase: 'error'` rather than a
     * thrown error: the workflow counts errors against the metric's consecutiveErrorLimit, so Temporal's
     * retries are kept for the activity's own failures.
     */
    async measureMetric(input: MeasureMetricInput): Promise<Measurement> {
      const context = Context.current();
      const metric = filledMetric(input);
      const egress = await boundaryOf(deps, input, metric);
      const info = context.info;
      const measurement = await measure(metric, input.args, {
        metricName: metric.name,
        egress,
        signal: context.cancellationSignal,
        heartbeat: () => context.heartbeat(),
        kube: deps.kube,
        measurementId: measurementId(info),
        attempt: info.attempt,
        jobPollMs: deps.jobPollMs,
        owner: { workspaceId: input.workspaceId, environment: input.environment },
      });
      // A cancelled measurement is no measurement: report the cancellation, not an error phase.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      return measurement;
    },
  };
}

/** The metric checked against its schema (defaults applied) with its arguments filled in. */
function filledMetric(input: MeasureMetricInput): Metric {
  const parsed = metricSchema.safeParse(input.metric);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: analysisFailureTypes.invalid,
      message: `metric ${String(input.metric?.name)} is not valid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      nonRetryable: true,
      cause: parsed.error,
    });
  }
  try {
    return fillArgs(parsed.data, input.args);
  } catch (error) {
    if (!(error instanceof UnknownArgError)) throw error;
    throw ApplicationFailure.create({ type: analysisFailureTypes.invalid, message: error.message, nonRetryable: true, cause: error });
  }
}

/**
 * Checks the filled-in metric against the scope's binding again and gives the egress rules its requests go
 * under: a Job needs the Kubernetes binding (namespace, image, ServiceAccount); a web or Prometheus metric
 * the Kubernetes binding, else the local one, whose egress hosts and CIDRs its URL must match.
 */
async function boundaryOf(deps: EgressDeps, scope: Scope, metric: Metric): Promise<EgressRules> {
  if (metric.provider.type !== 'job') return egressRulesOf(deps, scope);
  const kubernetes = await requireBinding(deps.bindings, scope, 'kubernetes');
  enforce(checkMetricProvider('metric.provider', metric.provider, { kubernetes }, () => undefined));
  return egressRulesFor(kubernetes, deps.platformPorts, []);
}

/** The same for every retry of one scheduled measurement, different for the next one (16 hex characters). */
function measurementId(info: Info): string {
  // Workflow activities are told apart by workflow run and activity ID; standalone ones by their own run ID.
  const execution = info.workflowExecution;
  const key = [execution?.workflowId, execution?.runId, info.activityRunId, info.activityId].join('\n');
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

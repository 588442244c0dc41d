import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { Scope } from '../bindings/scope.ts';
import type { Analysis, Measurement, Metric, Verdict } from '../analysis/types.ts';
import { analysisVerdict, metricVerdict, shouldStop } from './lib/analysis-verdict.ts';

/** What one analysis step found: the overall verdict and each metric's measurements. */
export interface AnalysisResult {
  verdict: Verdict;
  /** Recorded, never acted on. */
  dryRun: boolean;
  metrics: Record<string, { verdict: Verdict; measurements: Measurement[] }>;
}

function measurer(metric: Metric) {
  // A job metric runs a Kubernetes Job for up to its own timeout; the others are one HTTP call.
  const jobMs = metric.provider.type === 'job' ? metric.provider.timeoutMs : 0;
  return proxyActivities<Activities>({
    startToCloseTimeout: jobMs + 60_000,
    heartbeatTimeout: metric.provider.type === 'job' ? '1 minute' : undefined,
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidAnalysis'] },
  }).measureMetric;
}

/**
 * Measures every metric of an analysis, each `count` times `intervalMs` apart (durable timers), until its
 * verdict is settled; stops early when `interrupted` turns true (a promote or an abort) and reports "running".
 */
export async function runAnalysis(scope: Scope, analysis: Analysis, interrupted: () => boolean): Promise<AnalysisResult> {
  const metrics: AnalysisResult['metrics'] = {};
  await Promise.all(
    analysis.metrics.map(async (metric) => {
      const measurements: Measurement[] = [];
      const entry = { verdict: 'running' as Verdict, measurements };
      metrics[metric.name] = entry;
      const measure = measurer(metric);
      for (let taken = 0; taken < metric.count && !interrupted(); taken += 1) {
        if (taken > 0 && (await condition(interrupted, metric.intervalMs))) break;
        measurements.push(await measure({ ...scope, metric, args: analysis.args }));
        entry.verdict = metricVerdict(metric, measurements);
        if (shouldStop(entry.verdict) || entry.verdict === 'successful') break;
      }
    }),
  );
  return { verdict: analysisVerdict(Object.values(metrics).map((metric) => metric.verdict)), dryRun: analysis.dryRun, metrics };
}

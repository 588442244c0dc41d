import { kubernetesRunner } from '../../ops/workloads/kubernetes.ts';
import type { LogStream } from '../../db/schema/index.ts';
import type { Provider, Reading } from '../measure.ts';

/**
 * A Kubernetes Job, run by the same runner as operations jobs: its exit code is the value (0 successful,
 * anything else failed, unless the metric's conditions say otherwise). A Job that cannot be created or
 * watched, or that outlives `timeoutMs`, is an error: it says nothing about the canary.
 */
export const jobProvider: Provider<'job'> = {
  type: 'job',
  async read(provider, context): Promise<Reading> {
    const runner = kubernetesRunner({
      clients: () => {
        const kube = context.kube();
        return { batch: kube.batch, core: kube.core };
      },
      pollMs: context.jobPollMs,
    });
    const timeout = AbortSignal.timeout(provider.timeoutMs);
    let lastError: string | undefined;
    try {
      const { exitCode } = await runner.run(
        { type: 'kubernetes', namespace: provider.namespace, image: provider.image, command: provider.command, env: provider.env },
        {
          workspaceId: context.owner?.workspaceId ?? '',
          environment: context.owner?.environment,
          runId: context.measurementId,
          jobName: jobNameFor(context.metricName),
          attempt: context.attempt,
          onLine: (stream: LogStream, line: string) => {
            if (stream === 'stderr') lastError = line;
          },
          signal: AbortSignal.any([context.signal, timeout]),
          heartbeat: () => context.heartbeat(),
        },
      );
      if (context.signal.aborted) return { kind: 'error', message: 'the measurement was cancelled; its Job was deleted' };
      if (timeout.aborted) return { kind: 'error', message: `the Job did not finish within ${provider.timeoutMs} ms; it was deleted` };
      return {
        kind: 'value',
        value: exitCode,
        withoutConditions: exitCode === 0 ? 'successful' : 'failed',
        ...(exitCode !== 0 && lastError ? { note: lastError } : {}),
      };
    } catch (error) {
      return { kind: 'error', message: `the Job could not run: ${error instanceof Error ? error.message : String(error)}` };
    }
  },
};

/** A DNS-label-safe name for the metric's Jobs (the runner adds a prefix, the measurement and the attempt). */
export function jobNameFor(metricName: string): string {
  const safe = metricName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 30)
    .replace(/-+$/, '');
  return `analysis-${safe || 'metric'}`;
}

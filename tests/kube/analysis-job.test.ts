// needs: the test cluster (the activity runs in Temporal's MockActivityEnvironment)
import { randomUUID } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities, type MeasureMetricInput } from '../../src/activities/analysis.ts';
import type { Measurement, Metric } from '../../src/analysis/types.ts';
import { bindingPolicySchema, type BindingLookup } from '../../src/bindings/policy.ts';
import { createKubeClients } from '../../src/targets/kubernetes/client.ts';
import { createTestNamespace, deleteTestNamespace, isApiError, waitFor } from '../support/kube-client.ts';
import { kubeconfigPath, useKubeNamespace } from '../support/kube-test.ts';

// The job provider against the real API server and Job controller. kwok's fake node runs no containers: it
// marks a Job's pod Succeeded with exit code 0 at once, so success is real end to end. A failed Job is made
// the way tests/kube/ops-job-workload.test.ts does it: in a namespace whose quota admits no pod, the test sets
// the Job's Failed condition through the status subresource.

describe('measuring a job metric', () => {
  const ctx = useKubeNamespace('analysis-job');
  const kube = () => createKubeClients(kubeconfigPath);
  /** Namespaces the environment's Kubernetes binding holds: every one a test's metrics name. */
  const bound = new Set<string>();
  const bindings: BindingLookup = (scope, kind) =>
    Promise.resolve(
      kind === 'kubernetes'
        ? {
            id: 'binding',
            ...scope,
            target: { id: 'target', name: 'test-cluster', kind },
            policy: bindingPolicySchema.parse({ namespaces: [...bound], imagePrefixes: ['busybox:'], serviceAccounts: ['default'] }),
          }
        : undefined,
    );
  const activities = createAnalysisActivities({ kube, jobPollMs: 200, bindings, platformPorts: [] });

  /** A Job metric; a distinct name per test keeps each test's Jobs apart. */
  const unboundJobMetric = (name: string, namespace: string, extra: Partial<Metric> = {}): Metric => ({
    name,
    provider: { type: 'job', namespace, image: 'busybox:1.37', command: ['sh', '-c', 'exit 0'], env: { TARGET: '{{args.target}}' }, timeoutMs: 60_000 },
    intervalMs: 1_000,
    count: 1,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 4,
    ...extra,
  });

  /** The same, in a namespace the binding holds. */
  function jobMetric(name: string, namespace: string, extra: Partial<Metric> = {}): Metric {
    bound.add(namespace);
    return unboundJobMetric(name, namespace, extra);
  }

  /** Runs the activity in a Context of its own; counts its heartbeats. */
  function start(metric: Metric) {
    const env = new MockActivityEnvironment({ activityId: randomUUID() }, { logger: new DefaultLogger('ERROR') });
    let heartbeats = 0;
    env.on('heartbeat', () => (heartbeats += 1));
    const running: Promise<Measurement> = env.run((input: MeasureMetricInput) => activities.measureMetric(input), { workspaceId: randomUUID(), environment: 'staging', metric, args: { target: 'http://canary' } });
    return { env, running, heartbeats: () => heartbeats };
  }

  /** The metric's Job, once it exists. */
  function jobOf(metricName: string, namespace: string): Promise<V1Job> {
    return waitFor(`the Job of ${metricName}`, async () => {
      const jobs = await kube().batch.listNamespacedJob({ namespace, labelSelector: `cutover.dev/ops-job=analysis-${metricName}` });
      return jobs.items[0];
    });
  }

  /** A namespace where no pod may be created, so a Job stays active until the test sets its status. */
  async function podlessNamespace(): Promise<string> {
    const namespace = await createTestNamespace(ctx.clients.core, 'analysis-nopods');
    await ctx.clients.core.createNamespacedResourceQuota({ namespace, body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } } });
    return namespace;
  }

  it('is successful when the Job exits 0, running the image and command with the arguments filled in', async () => {
    const measurement = start(jobMetric('smoke', ctx.namespace));
    expect(await measurement.running).toMatchObject({ phase: 'successful', value: 0 });
    expect(measurement.heartbeats()).toBeGreaterThan(0);

    const job = await jobOf('smoke', ctx.namespace);
    expect(job.spec?.template.spec?.containers[0]).toMatchObject({
      image: 'busybox:1.37',
      command: ['sh', '-c', 'exit 0'],
      env: [{ name: 'TARGET', value: 'http://canary' }],
    });
    expect(job.status?.conditions?.some((condition) => condition.type === 'Complete' && condition.status === 'True')).toBe(true);

    // With a condition over the exit code, the condition decides.
    const strict = start(jobMetric('smoke-strict', ctx.namespace, { successCondition: 'result == 1' }));
    expect(await strict.running).toMatchObject({ phase: 'failed', value: 0 });
  });

  it('is failed when the Job fails, with its reason', async () => {
    const namespace = await podlessNamespace();
    try {
      const measurement = start(jobMetric('failing', namespace));
      const condition = { status: 'True', reason: 'Test', message: 'set by the test', lastTransitionTime: new Date() };
      // A finished Job needs a startTime, which is immutable once the job controller set it: read the Job afresh
      // and send the one it has (or one, when the controller has not started it yet); retry if the two raced.
      for (let attempt = 1; ; attempt++) {
        const job = await jobOf('failing', namespace);
        try {
          await kube().batch.patchNamespacedJobStatus(
            {
              name: job.metadata?.name ?? '',
              namespace,
              body: {
                status: {
                  startTime: job.status?.startTime ?? condition.lastTransitionTime,
                  conditions: [{ type: 'FailureTarget', ...condition }, { type: 'Failed', ...condition }],
                },
              },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          break;
        } catch (error) {
          if (attempt >= 5) throw error;
        }
      }
      expect(await measurement.running).toMatchObject({ phase: 'failed', value: 1, message: 'Job failed: set by the test' });
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  });

  it('is an error when the Job cannot be created or outlives its timeout, and deletes it then', async () => {
    const missing = start(jobMetric('nowhere', `no-such-namespace-${randomUUID().slice(0, 8)}`));
    expect(await missing.running).toMatchObject({ phase: 'error', value: null, message: expect.stringMatching(/could not create Job .*HTTP 404/) as unknown });

    const namespace = await podlessNamespace();
    try {
      const metric = jobMetric('stuck', namespace);
      const slow = start({ ...metric, provider: { ...metric.provider, timeoutMs: 1_500 } });
      expect(await slow.running).toMatchObject({ phase: 'error', message: 'the Job did not finish within 1500 ms; it was deleted' });
      await waitFor('the Job to go', async () => {
        const jobs = await kube().batch.listNamespacedJob({ namespace, labelSelector: 'cutover.dev/ops-job=analysis-stuck' });
        return jobs.items.every((job) => job.metadata?.deletionTimestamp) ? true : undefined;
      });
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  });

  it('fails for good (BoundaryViolation), creating no Job, when the namespace or image is outside the binding', async () => {
    const unbound = start(unboundJobMetric('unbound', ctx.namespace === 'default' ? 'kube-system' : 'default'));
    await expect(unbound.running).rejects.toMatchObject({ type: 'BoundaryViolation', nonRetryable: true, message: expect.stringMatching(/is not bound to this workspace environment/) as unknown });
    const metric = jobMetric('foreign-image', ctx.namespace);
    const foreign = start({ ...metric, provider: { ...metric.provider, image: 'registry.example.com/miner:1' } as Metric['provider'] });
    await expect(foreign.running).rejects.toMatchObject({ type: 'BoundaryViolation', message: expect.stringMatching(/image registry\.example\.com\/miner:1/) as unknown });
    const jobs = await kube().batch.listNamespacedJob({ namespace: ctx.namespace, labelSelector: 'cutover.dev/ops-job=analysis-foreign-image' });
    expect(jobs.items).toEqual([]);
  });

  it('deletes the Job and reports the cancellation when the activity is cancelled', async () => {
    const namespace = await podlessNamespace();
    try {
      const measurement = start(jobMetric('cancelled', namespace));
      const job = await jobOf('cancelled', namespace);
      measurement.env.cancel();
      await expect(measurement.running).rejects.toBeInstanceOf(CancelledFailure);
      await waitFor('the Job to go', async () => {
        try {
          const current = await kube().batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace });
          return current.metadata?.deletionTimestamp ? true : undefined;
        } catch (error) {
          if (isApiError(error, 404)) return true;
          throw error;
        }
      });
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  });
});

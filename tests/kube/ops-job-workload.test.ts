// needs: the test cluster
import { BatchV1Api, PatchStrategy, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { LogStream } from '../../src/db/schema/index.ts';
import { jobObjectName, kubernetesRunner, type JobClients } from '../../src/ops/workloads/kubernetes.ts';
import type { WorkloadContext } from '../../src/ops/workloads/types.ts';
import { createTestNamespace, deleteTestNamespace, isApiError, waitFor } from '../support/kube-client.ts';
import { useKubeNamespace } from '../support/kube-test.ts';

// The Kubernetes Job workload against the real API server, Job controller and scheduler. kwok's fake node runs
// no containers: it marks a Job's pod Succeeded with exit code 0 at once and serves no logs. So the success path
// is real end to end (except the log text); failure is driven by setting the Job's status through the status
// subresource, in a namespace whose quota keeps the Job controller from creating any pod.

describe('the Kubernetes Job workload', () => {
  const ctx = useKubeNamespace('ops-job');
  const clients = (): JobClients => ({ batch: ctx.clients.kc.makeApiClient(BatchV1Api), core: ctx.clients.core });
  const runner = kubernetesRunner({ clients, pollMs: 200 });

  function context(runId: string, signal = new AbortController().signal, attempt = 1) {
    const lines: Array<[LogStream, string]> = [];
    const value: WorkloadContext = {
      workspaceId: 'ws',
      runId,
      jobName: 'nightly',
      attempt,
      onLine: (stream, line) => lines.push([stream, line]),
      signal,
      heartbeat: () => {},
    };
    return { lines, value };
  }

  const workload = (namespace: string) => ({
    type: 'kubernetes' as const,
    namespace,
    image: 'busybox:1.37',
    command: ['sh', '-c', 'echo hello'],
    env: { GREETING: 'hello' },
  });

  /** The Job, or undefined when it does not exist. */
  async function readJob(name: string, namespace: string): Promise<V1Job | undefined> {
    try {
      return await clients().batch.readNamespacedJob({ name, namespace });
    } catch (error) {
      if (isApiError(error, 404)) return undefined;
      throw error;
    }
  }

  /** The Jobs of one run in the namespace (by the run label, whatever their names). */
  async function jobsOfRun(runId: string, namespace: string): Promise<V1Job[]> {
    const list = await clients().batch.listNamespacedJob({ namespace, labelSelector: `cutover.dev/ops-run=${runId}` });
    return list.items.filter((job) => !job.metadata?.deletionTimestamp);
  }

  /** Marks the Job failed through the status subresource, as the Job controller would. */
  async function failJob(name: string, namespace: string): Promise<void> {
    // A finished Job needs the startTime the Job controller sets on its first sync.
    await waitFor('the Job controller to start the Job', async () => ((await readJob(name, namespace))?.status?.startTime ? true : undefined));
    const condition = { status: 'True', reason: 'Test', message: 'set by the test', lastTransitionTime: new Date() };
    await clients().batch.patchNamespacedJobStatus(
      { name, namespace, body: { status: { conditions: [{ type: 'FailureTarget', ...condition }, { type: 'Failed', ...condition }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** A namespace where no pod may be created, so a Job stays active until the test sets its status. */
  async function podlessNamespace(): Promise<string> {
    const namespace = await createTestNamespace(ctx.clients.core, 'ops-job-nopods');
    await ctx.clients.core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
    });
    return namespace;
  }

  it('creates the Job with the right spec, waits for it to complete and reports exit code 0', async () => {
    const { lines, value } = context('11111111-aaaa');
    const result = await runner.run(workload(ctx.namespace), value);
    expect(result).toEqual({ exitCode: 0 });

    const name = jobObjectName('nightly', '11111111-aaaa');
    const job = await clients().batch.readNamespacedJob({ name, namespace: ctx.namespace });
    expect(job.metadata?.labels).toMatchObject({ 'cutover.dev/ops-job': 'nightly', 'cutover.dev/ops-run': '11111111-aaaa' });
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(job.spec?.template.spec?.containers[0]).toMatchObject({
      name: 'job',
      image: 'busybox:1.37',
      command: ['sh', '-c', 'echo hello'],
      env: [{ name: 'GREETING', value: 'hello' }],
    });
    expect(job.status?.conditions?.some((condition) => condition.type === 'Complete' && condition.status === 'True')).toBe(true);
    expect(lines[0]).toEqual(['stdout', `created Job ${ctx.namespace}/${name}`]);
    // kwok serves no container logs; the runner says so instead of failing the run.
    expect(lines.at(-1)?.[1]).toMatch(/log of pod .* is not available/);

    // A retried attempt (attempt 2) finds the Job its previous try created and waits for that one: still one Job.
    const again = context('11111111-aaaa', undefined, 2);
    expect(await runner.run(workload(ctx.namespace), again.value)).toEqual({ exitCode: 0 });
    expect(again.lines[0]).toEqual(['stdout', `found Job ${ctx.namespace}/${name} of an earlier attempt: waiting for it`]);
    expect((await jobsOfRun('11111111-aaaa', ctx.namespace)).map((found) => found.metadata?.uid)).toEqual([job.metadata?.uid]);
  }, 60_000);

  it('a retry while the first attempt still runs waits on the same Job instead of starting a second', async () => {
    const namespace = await podlessNamespace();
    try {
      const runId = '44444444-dddd';
      const name = jobObjectName('nightly', runId);
      const first = context(runId);
      const firstRun = runner.run(workload(namespace), first.value);
      await waitFor('the Job', () => readJob(name, namespace));
      // The retry of an attempt Temporal took for lost (a heartbeat timeout) while its Job still runs.
      const second = context(runId, undefined, 2);
      const secondRun = runner.run(workload(namespace), second.value);
      await waitFor('the retry to find the Job', () => Promise.resolve(second.lines.length > 0 ? true : undefined));
      expect(second.lines[0]).toEqual(['stdout', `found Job ${namespace}/${name} of an earlier attempt: waiting for it`]);
      expect(await jobsOfRun(runId, namespace)).toHaveLength(1);
      await failJob(name, namespace);
      expect(await firstRun).toEqual({ exitCode: 1 });
      expect(await secondRun).toEqual({ exitCode: 1 });
      expect(await jobsOfRun(runId, namespace)).toHaveLength(1);
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  }, 60_000);

  it('a retry after the Job failed replaces it with a new Job of the same name', async () => {
    const namespace = await podlessNamespace();
    try {
      const runId = '55555555-eeee';
      const name = jobObjectName('nightly', runId);
      const firstRun = runner.run(workload(namespace), context(runId).value);
      const failed = await waitFor('the Job', () => readJob(name, namespace));
      await failJob(name, namespace);
      expect(await firstRun).toEqual({ exitCode: 1 });

      const second = context(runId, undefined, 2);
      const secondRun = runner.run(workload(namespace), second.value);
      const replaced = await waitFor('a new Job', async () => {
        const job = await readJob(name, namespace);
        return job && job.metadata?.uid !== failed.metadata?.uid ? job : undefined;
      });
      expect(replaced.status?.conditions ?? []).toEqual([]);
      expect(second.lines).toContainEqual(['stdout', `deleted Job ${namespace}/${name} that failed in an earlier attempt`]);
      // The log line follows the create call's answer, which may come after the Job shows up in a read.
      const created = `created Job ${namespace}/${name}`;
      await waitFor('the created line', () => Promise.resolve(second.lines.some(([stream, line]) => stream === 'stdout' && line === created) ? true : undefined));
      expect((await jobsOfRun(runId, namespace)).map((job) => job.metadata?.uid)).toEqual([replaced.metadata?.uid]);
      await failJob(name, namespace);
      expect(await secondRun).toEqual({ exitCode: 1 });
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  }, 60_000);

  it('reports a Job that failed with its reason', async () => {
    const namespace = await podlessNamespace();
    try {
      const { lines, value } = context('22222222-bbbb');
      const running = runner.run(workload(namespace), value);
      const name = jobObjectName('nightly', '22222222-bbbb');
      await waitFor('the Job', () => readJob(name, namespace));
      await failJob(name, namespace);
      expect(await running).toEqual({ exitCode: 1 });
      expect(lines).toContainEqual(['stderr', 'Job failed: set by the test']);
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  }, 60_000);

  it('deletes the Job when the attempt is cancelled', async () => {
    const namespace = await podlessNamespace();
    try {
      const controller = new AbortController();
      const { lines, value } = context('33333333-cccc', controller.signal);
      const running = runner.run(workload(namespace), value);
      const name = jobObjectName('nightly', '33333333-cccc');
      await waitFor('the Job', () => Promise.resolve(lines.length > 0 ? true : undefined));
      controller.abort();
      expect(await running).toEqual({ exitCode: 143 });
      await waitFor('the Job to go', async () => {
        const job = await readJob(name, namespace);
        return !job || job.metadata?.deletionTimestamp ? true : undefined;
      });
    } finally {
      await deleteTestNamespace(ctx.clients.core, namespace);
    }
  }, 60_000);
});

import { ApiException, type BatchV1Api, type CoreV1Api, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { environmentLabel, managedByLabel, OwnedElsewhereError, workspaceLabel } from '../../targets/ownership.ts';
import type { Workload } from '../definition.ts';
import type { WorkloadContext, WorkloadRunner } from './types.ts';
import { WorkloadError } from './types.ts';

/** The narrow set of API clients a Kubernetes Job workload needs. */
export interface JobClients {
  batch: BatchV1Api;
  core: CoreV1Api;
}

type KubernetesWorkload = Extract<Workload, { type: 'kubernetes' }>;

/**
 * Job names are DNS labels (63 characters): job name and run, not the attempt, so a retried activity finds the
 * Job its previous try created (which may still run) instead of starting a second one beside it.
 */
export function jobObjectName(jobName: string, runId: string): string {
  return `ops-${jobName.slice(0, 40).replace(/-+$/, '')}-${runId.slice(0, 8)}`;
}

const runLabel = 'cutover.dev/ops-run';

/**
 * The Job for one run: no Kubernetes-side retries (Temporal retries), cleaned up an hour after it ends. It
 * carries its workspace and (where known) environment, like every object Cutover creates.
 */
export function buildJob(
  workload: KubernetesWorkload,
  context: Pick<WorkloadContext, 'jobName' | 'runId'> & Partial<Pick<WorkloadContext, 'workspaceId' | 'environment'>>,
): V1Job {
  const labels: Record<string, string> = {
    [managedByLabel]: 'cutover',
    ...(context.workspaceId ? { [workspaceLabel]: context.workspaceId } : {}),
    ...(context.environment ? { [environmentLabel]: context.environment } : {}),
    'cutover.dev/ops-job': context.jobName,
    [runLabel]: context.runId,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobObjectName(context.jobName, context.runId), labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: workload.service_account,
          containers: [
            {
              name: 'job',
              image: workload.image,
              command: workload.command,
              env: Object.entries(workload.env ?? {}).map(([name, value]) => ({ name, value })),
            },
          ],
        },
      },
    },
  };
}

export type JobState = { state: 'running' } | { state: 'complete' | 'failed'; message?: string };

/** Reads a Job's conditions: Complete or Failed (status True) end it; anything else is still running. */
export function jobState(job: V1Job): JobState {
  for (const condition of job.status?.conditions ?? []) {
    if (condition.status !== 'True') continue;
    if (condition.type === 'Complete') return { state: 'complete' };
    if (condition.type === 'Failed') return { state: 'failed', message: condition.message ?? condition.reason };
  }
  return { state: 'running' };
}

/** The exit code of the Job's container, when its pod has terminated. */
function exitCodeOf(pod: V1Pod | undefined): number | undefined {
  return pod?.status?.containerStatuses?.find((status) => status.name === 'job')?.state?.terminated?.exitCode;
}

/**
 * Creates the run's Kubernetes Job, or finds the one a previous attempt created (and waits on that one while it
 * runs; one that failed is replaced, so a retry runs again), waits for it to finish (heartbeating), then copies
 * its pod's log into the run's log (Kubernetes merges stdout and stderr, so all lines count as stdout).
 * Cancelling the attempt deletes the Job and its pod.
 */
export function kubernetesRunner(options: { clients: () => JobClients; pollMs?: number }): WorkloadRunner<'kubernetes'> {
  const pollMs = options.pollMs ?? 1000;
  return {
    type: 'kubernetes',
    async run(workload, context) {
      const clients = options.clients();
      const namespace = workload.namespace;
      const body = buildJob(workload, context);
      const name = body.metadata?.name ?? '';
      await ensureJob(clients, namespace, body, context, pollMs);
      let state: JobState = { state: 'running' };
      while (state.state === 'running') {
        if (context.signal.aborted) {
          await deleteJob(clients, namespace, name);
          context.onLine('stderr', `stopped: deleted Job ${namespace}/${name}`);
          return { exitCode: 143 };
        }
        context.heartbeat();
        state = jobState(await clients.batch.readNamespacedJob({ name, namespace }));
        if (state.state === 'running') await sleep(pollMs, context.signal);
      }
      const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
      const pod = pods.items.at(-1);
      if (pod?.metadata?.name) await copyLog(clients, namespace, pod.metadata.name, context);
      if (state.state === 'failed' && state.message) context.onLine('stderr', `Job failed: ${state.message}`);
      return { exitCode: exitCodeOf(pod) ?? (state.state === 'complete' ? 0 : 1) };
    },
  };
}

/**
 * Makes sure the run's Job exists: creates it, or adopts the one a previous attempt of this run created. A Job
 * of the run that failed (or is being deleted) is deleted and created again once it is gone: Temporal retried
 * the attempt to run the work again. A running or complete one is kept, so the work never runs twice at once.
 */
async function ensureJob(clients: JobClients, namespace: string, body: V1Job, context: WorkloadContext, pollMs: number): Promise<void> {
  const name = body.metadata?.name ?? '';
  for (;;) {
    try {
      await clients.batch.createNamespacedJob({ namespace, body });
      context.onLine('stdout', `created Job ${namespace}/${name}`);
      return;
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) {
        const retryable = !(error instanceof ApiException && [400, 403, 404, 422].includes(error.code));
        throw new WorkloadError(`could not create Job ${namespace}/${name}: ${describe(error)}`, retryable, { cause: error });
      }
    }
    const existing = await readJobIfAny(clients, namespace, name);
    if (!existing) continue; // It went between the create and the read.
    assertSameRun(existing, namespace, name, body);
    const replace = existing.metadata?.deletionTimestamp !== undefined || jobState(existing).state === 'failed';
    if (!replace) {
      context.onLine('stdout', `found Job ${namespace}/${name} of an earlier attempt: waiting for it`);
      return;
    }
    if (existing.metadata?.deletionTimestamp === undefined) {
      // Foreground: the Job goes after its pods, so the new Job's pod is the only one with its name.
      await deleteJob(clients, namespace, name, 'Foreground');
      context.onLine('stdout', `deleted Job ${namespace}/${name} that failed in an earlier attempt`);
    }
    // The name is free only once the Job is gone.
    while (await readJobIfAny(clients, namespace, name)) {
      if (context.signal.aborted) return; // The runner's loop deletes what is left and reports the stop.
      context.heartbeat();
      await sleep(pollMs, context.signal);
    }
  }
}

async function readJobIfAny(clients: JobClients, namespace: string, name: string): Promise<V1Job | undefined> {
  try {
    return await clients.batch.readNamespacedJob({ name, namespace });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * A Job of this name exists already: it must be this run's own (same owner labels, same run), or the runner
 * would wait on, and copy the log of, someone else's Job. Anything else is refused for good, naming no owner.
 */
function assertSameRun(existing: V1Job, namespace: string, name: string, wanted: V1Job): void {
  const have = existing.metadata?.labels ?? {};
  const want = wanted.metadata?.labels ?? {};
  if ([managedByLabel, workspaceLabel, environmentLabel, runLabel].every((label) => have[label] === want[label])) return;
  const owner = have[managedByLabel] === 'cutover' ? { workspaceId: have[workspaceLabel], environment: have[environmentLabel] } : undefined;
  throw new WorkloadError(`Job ${namespace}/${name} exists and is not this run's: it is not adopted`, false, {
    cause: new OwnedElsewhereError({ kind: 'Job', namespace, name }, owner),
  });
}

async function copyLog(clients: JobClients, namespace: string, pod: string, context: WorkloadContext): Promise<void> {
  try {
    const log = await clients.core.readNamespacedPodLog({ name: pod, namespace, container: 'job' });
    for (const line of log.split('\n')) if (line !== '') context.onLine('stdout', line);
  } catch (error) {
    context.onLine('stderr', `the log of pod ${pod} is not available: ${describe(error)}`);
  }
}

async function deleteJob(clients: JobClients, namespace: string, name: string, propagationPolicy = 'Background'): Promise<void> {
  try {
    await clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiException) return `HTTP ${error.code}`;
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

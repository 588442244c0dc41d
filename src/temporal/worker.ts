import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { lazyKubeClients } from '../targets/kubernetes/client.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerDeps extends Omit<ActivityDeps, 'kube'> {
  /** Kubernetes clients; default: the default kubeconfig chain, loaded on first use. */
  kube?: ActivityDeps['kube'];
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build one per run); otherwise the worker bundles src/workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The Temporal worker with Cutover's workflows and activities; the caller runs and shuts it down. */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities: createActivities({ ...deps, kube: deps.kube ?? lazyKubeClients() }),
  });
}

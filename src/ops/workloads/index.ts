import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Database } from '../../db/client.ts';
import type { Workload, WorkloadType } from '../definition.ts';
import { cleanupDeploymentsRunner } from './cleanup-deployments.ts';
import { databaseBackupRunner } from './database-backup.ts';
import { kubernetesRunner, type JobClients } from './kubernetes.ts';
import { localRunner } from './local.ts';
import type { WorkloadContext, WorkloadResult, WorkloadRunner } from './types.ts';

/** Worker-side settings of operations jobs; all optional, so existing callers need not change. */
export interface OpsWorkerOptions {
  /** Whether `local` workloads may run on this worker (default true: the single-machine setup). */
  localCommands?: boolean;
  /** The platform's own Postgres URL, dumped only where a binding grants it on purpose (`{ platform: true }`). */
  databaseUrl?: string;
  /** Where granted connection URLs are read (default: the worker's environment). */
  env?: NodeJS.ProcessEnv;
  /** Clients for Kubernetes Job workloads; default: the kubeconfig chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kube?: () => JobClients;
}

/** The runner for each workload type; adding a type means adding its schema and one entry here. */
export type WorkloadRegistry = { [T in WorkloadType]: WorkloadRunner<T> };

export function createWorkloadRegistry(deps: { db: Database; ops?: OpsWorkerOptions }): WorkloadRegistry {
  let clients: JobClients | undefined;
  const kube = deps.ops?.kube ?? (() => (clients ??= defaultJobClients()));
  return {
    local: localRunner({ enabled: deps.ops?.localCommands ?? true }),
    kubernetes: kubernetesRunner({ clients: kube }),
    'database-backup': databaseBackupRunner({ platformDatabaseUrl: deps.ops?.databaseUrl, env: deps.ops?.env }),
    'cleanup-deployments': cleanupDeploymentsRunner({ db: deps.db }),
  };
}

/** Picks the runner by the workload's type. */
export function runWorkload(registry: WorkloadRegistry, workload: Workload, context: WorkloadContext): Promise<WorkloadResult> {
  // TypeScript cannot tie the looked-up runner to the workload's type; the registry's type guarantees it.
  const runner = registry[workload.type] as WorkloadRunner;
  return runner.run(workload, context);
}

function defaultJobClients(): JobClients {
  const config = new KubeConfig();
  config.loadFromDefault();
  return { batch: config.makeApiClient(BatchV1Api), core: config.makeApiClient(CoreV1Api) };
}

export { WorkloadError } from './types.ts';
export type { WorkloadContext, WorkloadResult, WorkloadRunner } from './types.ts';

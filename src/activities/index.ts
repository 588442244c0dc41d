import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { OpsWorkerOptions } from '../ops/workloads/index.ts';
import type { KubeClients } from '../targets/kubernetes/client.ts';
import { createDeploymentActivities } from './deployments.ts';
import { createHookActivities } from './hooks.ts';
import { createKubernetesActivities } from './kubernetes.ts';
import { createNotificationActivities } from './notifications.ts';
import { createOpsJobActivities } from './ops-jobs.ts';
import { createHttpCheckActivities } from './smoke.ts';

/** Everything activities need from the outside world; tests pass real or fixture dependencies. */
export interface ActivityDeps {
  db: Database;
  logger: Logger;
  /** Kubernetes API clients, made on first use so a worker without a cluster still starts. */
  kube: () => KubeClients;
  /** Operations jobs: local commands on or off, the database to back up, Kubernetes Job clients. */
  ops?: OpsWorkerOptions;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeploymentActivities(deps),
    ...createKubernetesActivities(deps),
    ...createHttpCheckActivities(),
    ...createNotificationActivities(deps),
    ...createHookActivities(deps),
    ...createOpsJobActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

import type { BindingLookup } from '../bindings/policy.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { OpsWorkerOptions } from '../ops/workloads/index.ts';
import type { TargetDeps } from '../targets/registry.ts';
import { createAnalysisActivities } from './analysis.ts';
import { createDeploymentActivities } from './deployments.ts';
import { createFlagRampActivities } from './flag-ramps.ts';
import { createHookActivities } from './hooks.ts';
import { createNotificationActivities } from './notifications.ts';
import { createReleaseTargetActivities } from './release-target.ts';
import { createOpsJobActivities } from './ops-jobs.ts';
import { createHttpCheckActivities } from './smoke.ts';
import { createWorkspaceActivities } from './workspaces.ts';

/** Everything activities need from the outside world; tests pass real or fixture dependencies. */
export interface ActivityDeps extends TargetDeps {
  db: Database;
  logger: Logger;
  /** The binding of a workspace environment: activities check every place against it again before they act. */
  bindings: BindingLookup;
  /** Ports of the platform itself (Temporal, API, Postgres, supervisor): never a destination of the worker's requests. */
  platformPorts: number[];
  /** Operations jobs: local commands on or off, the database to back up, Kubernetes Job clients. */
  ops?: OpsWorkerOptions;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeploymentActivities(deps),
    ...createReleaseTargetActivities(deps),
    ...createHttpCheckActivities(deps),
    ...createNotificationActivities(deps),
    ...createHookActivities(deps),
    ...createOpsJobActivities(deps),
    ...createAnalysisActivities(deps),
    ...createWorkspaceActivities(deps),
    ...createFlagRampActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import {
  deleteDeployment,
  findActiveDeployment,
  insertDeployment,
  setDeploymentRunId,
  updateDeploymentStatus,
  type Deployment,
  type NewDeployment,
} from '../db/repositories/deployments.ts';
import {
  environmentSearchAttribute,
  serviceSearchAttribute,
  statusSearchAttribute,
  workspaceSearchAttribute,
} from '../temporal/search-attributes.ts';
import { withReleaseLock } from './instant-switch.ts';
import { startWhenFree } from './start-when-free.ts';

/** What to release, and for whom: the deployment's own fields plus who asked, by workspace and token name. */
export interface ReleaseRequest extends Omit<NewDeployment, 'workflowId' | 'createdBy'> {
  workspaceName: string;
  requestedBy: string;
  /** The release lock of the objects it changes (releaseLockKey); a dry run, which changes none, locks its workflow id. */
  lockKey?: string;
}

/** One release per service and environment at a time: the workflow id says which. */
export function releaseWorkflowId(workspaceId: string, environment: string, service: string): string {
  return `release/${workspaceId}/${environment}/${service}`;
}

export type StartReleaseResult =
  | { started: true; deployment: Deployment }
  | { started: false; runningDeploymentId: string | undefined };

/** The workflow a strategy runs, given the id of the deployment recorded for it. */
export type ReleaseWorkflow = (deploymentId: string) => { workflowType: string; args: unknown[] };

/** Records the deployment and starts its workflow; returns the running one instead when the service is busy. */
export async function startRelease(
  deps: { db: Database; temporal: Client; taskQueue: string },
  request: ReleaseRequest,
  workflow: ReleaseWorkflow,
): Promise<StartReleaseResult> {
  const workflowId = releaseWorkflowId(request.workspaceId, request.environment, request.service);
  // Under the release lock, so an instant switch of the service cannot land between this check and the insert.
  const claimed = await withReleaseLock(deps.db, request.lockKey ?? workflowId, async (tx) => {
    const running = await findActiveDeployment(tx, request.workspaceId, workflowId);
    if (running) {
      if (await isWorkflowRunning(deps.temporal, workflowId)) return { runningDeploymentId: running.id };
      // Its run was ended from outside (terminated in the Web UI, say) before it could close the record.
      await updateDeploymentStatus(tx, request.workspaceId, running.id, 'failed', 'its workflow ended without finishing');
    }
    const inserted = await insertDeployment(tx, {
      workspaceId: request.workspaceId,
      service: request.service,
      environment: request.environment,
      version: request.version,
      image: request.image,
      strategy: request.strategy,
      options: request.options,
      workflowId,
      createdBy: request.requestedBy,
    });
    return { deployment: inserted };
  });
  if (!claimed.deployment) return { started: false, runningDeploymentId: claimed.runningDeploymentId };
  const deployment = claimed.deployment;
  const { workflowType, args } = workflow(deployment.id);
  let started: { firstExecutionRunId: string } | undefined;
  try {
    started = await startWhenFree(() =>
      deps.temporal.workflow.start(workflowType, {
        taskQueue: deps.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args,
        memo: { deploymentId: deployment.id },
        typedSearchAttributes: [
          { key: workspaceSearchAttribute, value: request.workspaceName },
          { key: serviceSearchAttribute, value: request.service },
          { key: environmentSearchAttribute, value: request.environment },
          { key: statusSearchAttribute, value: 'pending' },
        ],
        staticSummary: `${request.strategy} release of ${request.service} ${request.version} to ${request.environment}`,
      }),
    );
  } catch (error) {
    // Nothing was started, so nothing may stay recorded.
    await deleteDeployment(deps.db, request.workspaceId, deployment.id);
    throw new Error(`failed to start the release workflow ${workflowId}`, { cause: error });
  }
  if (!started) {
    await deleteDeployment(deps.db, request.workspaceId, deployment.id);
    const holder = await deps.temporal.workflow.getHandle(workflowId).describe();
    return { started: false, runningDeploymentId: holder.memo?.deploymentId as string | undefined };
  }
  const runId = started.firstExecutionRunId;
  await setDeploymentRunId(deps.db, request.workspaceId, deployment.id, runId);
  return { started: true, deployment: { ...deployment, runId } };
}

async function isWorkflowRunning(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

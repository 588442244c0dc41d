import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.ts';
import * as deployments from '../db/repositories/deployments.ts';
import type { DeploymentStatus, EventStatus } from '../db/schema/index.ts';

/** Names one deployment of one workspace. */
export interface DeploymentRef {
  workspaceId: string;
  deploymentId: string;
}

export interface StepEvent extends DeploymentRef {
  /** Stable per step and attempt, so a retried activity writes the same row. */
  eventKey: string;
  step: string;
  status: EventStatus;
  message?: string;
  details?: Record<string, unknown>;
  /** ISO times; the workflow passes its own clock so replays agree. */
  startedAt?: string;
  endedAt?: string;
}

/** Activities that keep a deployment's record in Postgres. */
export function createDeploymentActivities(deps: { db: Database }) {
  return {
    async markDeploymentStatus(input: DeploymentRef & { status: DeploymentStatus; reason?: string }): Promise<void> {
      const row = await deployments.updateDeploymentStatus(
        deps.db,
        input.workspaceId,
        input.deploymentId,
        input.status,
        input.reason,
      );
      if (!row) {
        throw ApplicationFailure.create({
          type: 'DeploymentNotFound',
          message: `deployment ${input.deploymentId} does not exist in workspace ${input.workspaceId}`,
          nonRetryable: true,
        });
      }
    },

    async recordDeploymentEvent(input: StepEvent): Promise<void> {
      await deployments.recordDeploymentEvent(deps.db, {
        ...input,
        startedAt: input.startedAt ? new Date(input.startedAt) : undefined,
        endedAt: input.endedAt ? new Date(input.endedAt) : undefined,
      });
    },
  };
}

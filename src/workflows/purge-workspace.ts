import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { purgeWorkspace } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

/** One purge per workspace: a second deletion replaces the first one's, a restore cancels it. */
export const purgeWorkflowId = (workspaceId: string) => `workspace-purge/${workspaceId}`;

export interface PurgeWorkspaceInput {
  workspaceId: string;
  /** When this deletion happened (ISO 8601): the purge only removes the workspace if it is still this deletion's. */
  deletedAt: string;
  /** How long the workspace stays restorable (a durable timer: survives worker and server restarts). */
  retentionMs: number;
}

/**
 * Waits out the retention of a deleted workspace, then removes its Schedules and records and the workspace
 * itself, which frees its name. A restore cancels this workflow during the wait.
 */
export async function purgeWorkspaceWorkflow(input: PurgeWorkspaceInput): Promise<{ purged: boolean }> {
  await sleep(input.retentionMs);
  return purgeWorkspace({ workspaceId: input.workspaceId, deletedAt: input.deletedAt });
}

import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { findWorkspaceAnyState, listJobScheduleIds, purgeWorkspaceRows } from '../db/repositories/workspace-lifecycle.ts';
import type { Logger } from '../logger.ts';
import { deleteJobSchedule } from '../ops/schedules.ts';

/** Activities of a workspace's life; `temporal` defaults to the worker's own client. */
export function createWorkspaceActivities(deps: { db: Database; logger: Logger; temporal?: Client }) {
  return {
    /**
     * Deletes a deleted workspace's Schedules, then all its rows and the workspace (one transaction). Does
     * nothing when the workspace is gone already, live again, or deleted anew since (another purge owns it).
     */
    async purgeWorkspace(input: { workspaceId: string; deletedAt: string }): Promise<{ purged: boolean }> {
      const workspace = await findWorkspaceAnyState(deps.db, input.workspaceId);
      if (!workspace?.deletedAt || workspace.deletedAt.getTime() !== new Date(input.deletedAt).getTime()) {
        deps.logger.info({ workspaceId: input.workspaceId }, 'workspace purge skipped: not this deletion any more');
        return { purged: false };
      }
      const temporal = deps.temporal ?? Context.current().client;
      // Schedules first: a Schedule left behind would start runs of jobs that no longer exist.
      for (const scheduleId of await listJobScheduleIds(deps.db, input.workspaceId)) {
        await deleteJobSchedule(temporal, scheduleId);
        Context.current().heartbeat(scheduleId);
      }
      const rows = await deps.db.transaction((tx) => purgeWorkspaceRows(tx, input.workspaceId));
      deps.logger.info({ workspaceId: input.workspaceId, name: workspace.name, rows }, 'workspace purged');
      return { purged: true };
    },
  };
}

import type { Executor } from '../db/client.ts';

/** What a workspace uses now, against its quotas (GET /workspaces shows it beside them). */
export interface WorkspaceUsage {
  apiCallsThisHour: number;
  apiCallsToday: number;
  /** The workspace's rows (logs, events, audit, definitions) and the files it owns (backups), measured. */
  storageUsedBytes: number;
  /** Members with a live session now. */
  activeUsers: number;
  services: number;
  concurrentReleases: number;
  opsJobs: number;
  featureFlags: number;
}

/**
 * Usage of each of the given workspaces (one map entry per id). Owned by the quota module (src/quotas/); the
 * workspace list reads it in one call for a page of workspaces.
 */
export async function readWorkspaceUsage(db: Executor, workspaceIds: string[]): Promise<Map<string, WorkspaceUsage>> {
  void db;
  throw new Error(`readWorkspaceUsage is not implemented yet (${workspaceIds.length} workspaces)`);
}

import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { activeDeploymentStatuses } from '../db/schema/index.ts';
import { defaultSessionLifetimes } from '../db/repositories/sessions.ts';
import { readApiCalls, rowsOf } from './counters.ts';
import { usedBytes, workspaceStorage } from './storage.ts';

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

interface CountsRow {
  id: string;
  services: number | string;
  releases: number | string;
  jobs: number | string;
  users: number | string;
  flags: number | string;
}

/**
 * Usage of each of the given workspaces (one map entry per id). Owned by the quota module (src/quotas/); the
 * workspace list reads it in one call for a page of workspaces. Storage is the cached measurement (at most a
 * minute old); `idleMs` is the sessions' idle period that makes a user active.
 */
export async function readWorkspaceUsage(
  db: Executor,
  workspaceIds: string[],
  options: { now?: Date; idleMs?: number } = {},
): Promise<Map<string, WorkspaceUsage>> {
  if (workspaceIds.length === 0) return new Map();
  const now = options.now ?? new Date();
  const idleCutoff = new Date(now.getTime() - (options.idleMs ?? defaultSessionLifetimes.idleMs)).toISOString();
  const ids = sql.join(workspaceIds.map((id) => sql`${id}::uuid`), sql`, `);
  const statuses = sql.join(activeDeploymentStatuses.map((status) => sql`${status}`), sql`, `);
  const [counts, calls, storage] = await Promise.all([
    rowsOf<CountsRow>(
      db,
      sql`select w.id,
            (select count(distinct name) from services t where t.workspace_id = w.id) as services,
            (select count(*) from deployments t where t.workspace_id = w.id and t.status in (${statuses})) as releases,
            (select count(*) from ops_jobs t where t.workspace_id = w.id) as jobs,
            (select count(*) from features t where t.workspace_id = w.id) as flags,
            (select count(distinct s.user_id) from sessions s
               join workspace_members m on m.user_id = s.user_id and m.workspace_id = w.id
               join users u on u.id = s.user_id
              where s.revoked_at is null and s.expires_at > ${now.toISOString()}::timestamptz
                and s.last_seen_at > ${idleCutoff}::timestamptz and u.disabled_at is null) as users
          from workspaces w where w.id in (${ids})`,
    ),
    readApiCalls(db, workspaceIds, now),
    workspaceStorage(db, workspaceIds, now),
  ]);
  const usage = new Map<string, WorkspaceUsage>();
  for (const row of counts) {
    usage.set(row.id, {
      apiCallsThisHour: calls.get(row.id)?.hour ?? 0,
      apiCallsToday: calls.get(row.id)?.day ?? 0,
      storageUsedBytes: usedBytes(storage.get(row.id)!),
      activeUsers: Number(row.users),
      services: Number(row.services),
      concurrentReleases: Number(row.releases),
      opsJobs: Number(row.jobs),
      featureFlags: Number(row.flags),
    });
  }
  return usage;
}

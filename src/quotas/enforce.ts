import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { findWorkspaceById } from '../db/repositories/workspaces.ts';
import type { WorkspaceQuotas } from '../db/schema/index.ts';
import { rowsOf } from './counters.ts';
import { defaultQuotas } from './limits.ts';
import { readWorkspaceUsage, type WorkspaceUsage } from './usage.ts';

/**
 * Quotas on how much a workspace holds, checked before it creates more: services, releases running at once, ops
 * jobs, feature flags, stored bytes, people signed in at once. (API calls per hour and day are the windows in
 * counters.ts, counted by the quota middleware.)
 */
export type HoldingQuota = 'services' | 'concurrentReleases' | 'opsJobs' | 'featureFlags' | 'storageGb' | 'concurrentUsers';

/** The API's name of each quota (the keys of PUT /workspaces/{id}/quotas). */
export const quotaApiNames: Record<HoldingQuota, string> = {
  services: 'services',
  concurrentReleases: 'concurrent_releases',
  opsJobs: 'ops_jobs',
  featureFlags: 'feature_flags',
  storageGb: 'storage_gb',
  concurrentUsers: 'concurrent_users',
};

const gigabyte = 1024 ** 3;

/** What one quota has in use now, in its own unit (bytes for storage). */
function inUse(usage: WorkspaceUsage, quota: HoldingQuota): number {
  switch (quota) {
    case 'services':
      return usage.services;
    case 'concurrentReleases':
      return usage.concurrentReleases;
    case 'opsJobs':
      return usage.opsJobs;
    case 'featureFlags':
      return usage.featureFlags;
    case 'storageGb':
      return usage.storageUsedBytes;
    case 'concurrentUsers':
      return usage.activeUsers;
  }
}

/** Why a workspace may not create more of something: the body of the 429 (`details`) and its message. */
export interface QuotaRefusal {
  quota: string;
  limit: number;
  used: number;
  remaining: 0;
  /** Holding quotas free up when something is deleted or ends, not at a time. */
  reset_at: null;
  message: string;
}

/**
 * Pure: would adding `adding` more go past the limit? Storage is compared in bytes (its limit is in GiB) and
 * refuses once the workspace is at or over it, whatever the request adds.
 */
export function holdingRefusal(quota: HoldingQuota, limit: number, used: number, adding = 1): QuotaRefusal | undefined {
  const name = quotaApiNames[quota];
  if (quota === 'storageGb') {
    if (used < limit * gigabyte) return undefined;
    const usedGb = Math.round((used / gigabyte) * 1000) / 1000;
    return {
      quota: name,
      limit,
      used: usedGb,
      remaining: 0,
      reset_at: null,
      message: `workspace storage is full (${usedGb} of ${limit} GiB): delete old backups or runs, or ask a platform admin to raise storage_gb`,
    };
  }
  if (used + adding <= limit) return undefined;
  return {
    quota: name,
    limit,
    used,
    remaining: 0,
    reset_at: null,
    message: `the workspace's ${name} quota is ${limit} and ${used} are in use: ${quota === 'concurrentReleases' ? 'wait for a release to end' : 'delete one'}, or ask a platform admin to raise it`,
  };
}

/** The limit in force for one quota (the workspace's own, else the platform default). */
export function limitOf(quotas: WorkspaceQuotas, quota: HoldingQuota): number {
  return quotas[quota] ?? defaultQuotas[quota];
}

/**
 * Reads the workspace's quotas and usage once and says whether it may hold one more of each of `quotas` (the first
 * refusal). A check before the create, not a lock: two creates racing at the very limit may both pass.
 */
export async function checkHoldingQuotas(db: Executor, workspaceId: string, quotas: HoldingQuota[], options: { idleMs?: number } = {}): Promise<QuotaRefusal | undefined> {
  if (quotas.length === 0) return undefined;
  const [workspace, usage] = await Promise.all([findWorkspaceById(db, workspaceId), readWorkspaceUsage(db, [workspaceId], { idleMs: options.idleMs })]);
  const used = usage.get(workspaceId);
  if (!workspace || !used) return undefined;
  for (const quota of quotas) {
    const refusal = holdingRefusal(quota, limitOf(workspace.quotas, quota), inUse(used, quota));
    if (refusal) return refusal;
  }
  return undefined;
}

/**
 * Sign-in makes a person a concurrent user of every workspace they belong to. A workspace at its
 * concurrent_users quota refuses members who are not signed in already (someone signed in keeps their seat and
 * may open another session); a platform admin is never refused, so they can always raise the quota.
 */
export async function checkSignInSeat(
  db: Executor,
  user: { id: string; platformAdmin: boolean },
  memberships: Array<{ workspace: { id: string; name: string; quotas: WorkspaceQuotas } }>,
  options: { idleMs: number; now?: Date },
): Promise<(QuotaRefusal & { workspace: string }) | undefined> {
  if (user.platformAdmin || memberships.length === 0) return undefined;
  const now = options.now ?? new Date();
  const idleCutoff = new Date(now.getTime() - options.idleMs).toISOString();
  const active = await rowsOf<{ id: string }>(
    db,
    sql`select id from sessions where user_id = ${user.id} and revoked_at is null
        and expires_at > ${now.toISOString()}::timestamptz and last_seen_at > ${idleCutoff}::timestamptz limit 1`,
  );
  if (active.length > 0) return undefined;
  const usage = await readWorkspaceUsage(db, memberships.map((m) => m.workspace.id), { now, idleMs: options.idleMs });
  for (const { workspace } of memberships) {
    const refusal = holdingRefusal('concurrentUsers', limitOf(workspace.quotas, 'concurrentUsers'), usage.get(workspace.id)?.activeUsers ?? 0);
    if (refusal) {
      return {
        ...refusal,
        workspace: workspace.name,
        message: `workspace ${workspace.name} has its ${refusal.limit} concurrent users signed in: try again when someone signs out or their session idles out, or ask a platform admin to raise concurrent_users`,
      };
    }
  }
  return undefined;
}

import { z } from '@hono/zod-openapi';
import type { Executor } from '../../db/client.ts';
import type { Workspace } from '../../db/repositories/workspaces.ts';
import { countMembers } from '../../db/repositories/workspace-lifecycle.ts';
import { effectiveQuotas, workspaceQuotasSchema } from '../../quotas/limits.ts';
import { readWorkspaceUsage, type WorkspaceUsage } from '../../quotas/usage.ts';

const usageSchema = z.object({
  api_calls_this_hour: z.number().int(),
  api_calls_today: z.number().int(),
  storage_used_bytes: z.number().int(),
  active_users: z.number().int(),
  services: z.number().int(),
  concurrent_releases: z.number().int(),
  ops_jobs: z.number().int(),
  feature_flags: z.number().int(),
});

export const workspaceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    created_at: z.string(),
    /** Set while the workspace is deleted and restorable. */
    deleted_at: z.string().nullable(),
    deleted_by: z.string().nullable(),
    purge_after: z.string().nullable(),
    users_count: z.number().int(),
    storage_used_gb: z.number(),
    api_calls_today: z.number().int(),
    /** The quotas in force: the workspace's own over the platform defaults. */
    quotas: workspaceQuotasSchema.required(),
    usage: usageSchema,
  })
  .openapi('Workspace');
export type WorkspaceBody = z.infer<typeof workspaceSchema>;

const gigabyte = 1024 ** 3;

function toWorkspaceBody(row: Workspace, usersCount: number, usage: WorkspaceUsage | undefined): WorkspaceBody {
  const used = usage ?? { apiCallsThisHour: 0, apiCallsToday: 0, storageUsedBytes: 0, activeUsers: 0, services: 0, concurrentReleases: 0, opsJobs: 0, featureFlags: 0 };
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    created_at: row.createdAt.toISOString(),
    deleted_at: row.deletedAt?.toISOString() ?? null,
    deleted_by: row.deletedBy,
    purge_after: row.purgeAfter?.toISOString() ?? null,
    users_count: usersCount,
    storage_used_gb: Math.round((used.storageUsedBytes / gigabyte) * 1000) / 1000,
    api_calls_today: used.apiCallsToday,
    quotas: effectiveQuotas(row.quotas),
    usage: {
      api_calls_this_hour: used.apiCallsThisHour,
      api_calls_today: used.apiCallsToday,
      storage_used_bytes: used.storageUsedBytes,
      active_users: used.activeUsers,
      services: used.services,
      concurrent_releases: used.concurrentReleases,
      ops_jobs: used.opsJobs,
      feature_flags: used.featureFlags,
    },
  };
}

/** The bodies of a page of workspaces: members and usage read in one query each for all of them. */
export async function workspaceBodies(db: Executor, rows: Workspace[]): Promise<WorkspaceBody[]> {
  const ids = rows.map((row) => row.id);
  const [members, usage] = await Promise.all([countMembers(db, ids), readWorkspaceUsage(db, ids)]);
  return rows.map((row) => toWorkspaceBody(row, members.get(row.id) ?? 0, usage.get(row.id)));
}

export async function workspaceBody(db: Executor, row: Workspace): Promise<WorkspaceBody> {
  const [body] = await workspaceBodies(db, [row]);
  return body!;
}

import { and, asc, eq, gt, inArray, isNotNull, isNull, like, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import {
  apiTokens,
  auditLog,
  bindings,
  deploymentEvents,
  deployments,
  featureEvents,
  featureRamps,
  featureSegments,
  features,
  opsJobLogLines,
  opsJobRuns,
  opsJobs,
  rateWindows,
  services,
  workspaceMembers,
  workspaces,
  type WorkspaceQuotas,
} from '../schema/index.ts';
import type { Workspace } from './workspaces.ts';

// A workspace's life: creation with a description and quotas, renames, soft delete, restore and the purge that
// removes its records for good. Token functions stay in workspaces.ts.

/** Creates a workspace; undefined when a workspace (live or deleted) holds the name in any case. */
export async function insertWorkspace(
  db: Executor,
  input: { name: string; description?: string; quotas?: WorkspaceQuotas },
): Promise<Workspace | undefined> {
  const [row] = await db
    .insert(workspaces)
    .values({ name: input.name, description: input.description ?? '', quotas: input.quotas ?? {} })
    .onConflictDoNothing()
    .returning();
  return row;
}

/** The workspace holding a name whatever its case, deleted ones included (the name is theirs until the purge). */
export async function findWorkspaceHoldingName(db: Executor, name: string, exceptId?: string): Promise<Workspace | undefined> {
  const [row] = await db
    .select()
    .from(workspaces)
    .where(and(sql`lower(${workspaces.name}) = lower(${name})`, exceptId === undefined ? undefined : ne(workspaces.id, exceptId)));
  return row;
}

/** A workspace by id, live or deleted. */
export async function findWorkspaceAnyState(db: Executor, id: string): Promise<Workspace | undefined> {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return row;
}

/** Live workspaces (or only deleted ones), by name; `ids` narrows to those. */
export async function listWorkspaceRows(db: Executor, options: { deleted?: boolean; ids?: string[] } = {}): Promise<Workspace[]> {
  if (options.ids?.length === 0) return [];
  return db
    .select()
    .from(workspaces)
    .where(and(options.deleted ? isNotNull(workspaces.deletedAt) : isNull(workspaces.deletedAt), options.ids ? inArray(workspaces.id, options.ids) : undefined))
    .orderBy(asc(sql`lower(${workspaces.name})`));
}

/** Members per workspace. */
export async function countMembers(db: Executor, workspaceIds: string[]): Promise<Map<string, number>> {
  if (workspaceIds.length === 0) return new Map();
  const rows = await db
    .select({ workspaceId: workspaceMembers.workspaceId, count: sql<number>`count(*)::int` })
    .from(workspaceMembers)
    .where(inArray(workspaceMembers.workspaceId, workspaceIds))
    .groupBy(workspaceMembers.workspaceId);
  return new Map(rows.map((row) => [row.workspaceId, Number(row.count)]));
}

export async function updateWorkspace(
  db: Executor,
  id: string,
  changes: { name?: string; description?: string; quotas?: WorkspaceQuotas },
): Promise<Workspace | undefined> {
  const [row] = await db
    .update(workspaces)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(workspaces.id, id), isNull(workspaces.deletedAt)))
    .returning();
  return row;
}

/** Marks a live workspace deleted; undefined when it is not live. */
export async function softDeleteWorkspace(
  db: Executor,
  id: string,
  input: { deletedAt: Date; deletedBy: string; purgeAfter: Date },
): Promise<Workspace | undefined> {
  const [row] = await db
    .update(workspaces)
    .set(input)
    .where(and(eq(workspaces.id, id), isNull(workspaces.deletedAt)))
    .returning();
  return row;
}

/** Makes a deleted workspace live again, unless its purge time has passed; undefined otherwise. */
export async function restoreWorkspace(db: Executor, id: string, now: Date): Promise<Workspace | undefined> {
  const [row] = await db
    .update(workspaces)
    .set({ deletedAt: null, deletedBy: null, purgeAfter: null, updatedAt: now })
    .where(and(eq(workspaces.id, id), isNotNull(workspaces.deletedAt), gt(workspaces.purgeAfter, now)))
    .returning();
  return row;
}

/** The workspace's ops jobs that run on their own schedule (not paused by their owners). */
export async function listUnpausedJobSchedules(db: Executor, workspaceId: string): Promise<Array<{ id: string; scheduleId: string }>> {
  return db
    .select({ id: opsJobs.id, scheduleId: opsJobs.scheduleId })
    .from(opsJobs)
    .where(and(eq(opsJobs.workspaceId, workspaceId), eq(opsJobs.paused, false)));
}

export async function listJobScheduleIds(db: Executor, workspaceId: string): Promise<string[]> {
  const rows = await db.select({ scheduleId: opsJobs.scheduleId }).from(opsJobs).where(eq(opsJobs.workspaceId, workspaceId));
  return rows.map((row) => row.scheduleId);
}

/**
 * Deletes every row of a workspace, children before parents, then the workspace itself (which frees its name).
 * Audit rows are kept, detached from the workspace: the record of who did what outlives what they did it to.
 * Run it in a transaction.
 */
export async function purgeWorkspaceRows(tx: Executor, workspaceId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const count = async (name: string, rows: Promise<unknown[]>) => {
    counts[name] = (await rows).length;
  };
  const id = { id: sql<number>`1` };
  await count('ops_job_log_lines', tx.delete(opsJobLogLines).where(eq(opsJobLogLines.workspaceId, workspaceId)).returning(id));
  await count('ops_job_runs', tx.delete(opsJobRuns).where(eq(opsJobRuns.workspaceId, workspaceId)).returning(id));
  await count('ops_jobs', tx.delete(opsJobs).where(eq(opsJobs.workspaceId, workspaceId)).returning(id));
  await count('deployment_events', tx.delete(deploymentEvents).where(eq(deploymentEvents.workspaceId, workspaceId)).returning(id));
  await count('deployments', tx.delete(deployments).where(eq(deployments.workspaceId, workspaceId)).returning(id));
  await count('services', tx.delete(services).where(eq(services.workspaceId, workspaceId)).returning(id));
  await count('feature_events', tx.delete(featureEvents).where(eq(featureEvents.workspaceId, workspaceId)).returning(id));
  await count('feature_ramps', tx.delete(featureRamps).where(eq(featureRamps.workspaceId, workspaceId)).returning(id));
  await count('features', tx.delete(features).where(eq(features.workspaceId, workspaceId)).returning(id));
  await count('feature_segments', tx.delete(featureSegments).where(eq(featureSegments.workspaceId, workspaceId)).returning(id));
  // Bound namespaces go with their binding (on delete cascade).
  await count('bindings', tx.delete(bindings).where(eq(bindings.workspaceId, workspaceId)).returning(id));
  await count('api_tokens', tx.delete(apiTokens).where(eq(apiTokens.workspaceId, workspaceId)).returning(id));
  await count('workspace_members', tx.delete(workspaceMembers).where(eq(workspaceMembers.workspaceId, workspaceId)).returning(id));
  // Counters are keyed "<kind>:<workspace id>".
  await count('rate_windows', tx.delete(rateWindows).where(like(rateWindows.key, `%:${workspaceId}`)).returning(id));
  await count('audit_log_detached', tx.update(auditLog).set({ workspaceId: null }).where(eq(auditLog.workspaceId, workspaceId)).returning(id));
  await count('workspaces', tx.delete(workspaces).where(eq(workspaces.id, workspaceId)).returning(id));
  return counts;
}

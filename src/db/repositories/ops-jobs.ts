import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { opsJobs, type OverlapPolicy, type StoredRetryPolicy } from '../schema/index.ts';

export type OpsJob = typeof opsJobs.$inferSelect;

export interface NewOpsJob {
  /** Chosen by the caller, so the Schedule id can be derived before the row is written. */
  id: string;
  workspaceId: string;
  environment: string;
  name: string;
  description: string;
  cron: string;
  timeZone: string | null;
  overlapPolicy: OverlapPolicy;
  catchupWindowMs: number;
  paused: boolean;
  retry: StoredRetryPolicy;
  timeoutMs: number;
  workload: Record<string, unknown>;
  scheduleId: string;
  createdBy: string;
}

/** The fields PATCH may change. */
export type OpsJobChanges = Partial<
  Pick<
    OpsJob,
    'description' | 'cron' | 'timeZone' | 'overlapPolicy' | 'catchupWindowMs' | 'paused' | 'retry' | 'timeoutMs'
  >
>;

/** Undefined when the workspace already has a job of that name. */
export async function insertOpsJob(db: Executor, input: NewOpsJob): Promise<OpsJob | undefined> {
  const [row] = await db.insert(opsJobs).values(input).onConflictDoNothing().returning();
  return row;
}

export async function findOpsJob(db: Executor, workspaceId: string, id: string): Promise<OpsJob | undefined> {
  const [row] = await db
    .select()
    .from(opsJobs)
    .where(and(eq(opsJobs.workspaceId, workspaceId), eq(opsJobs.id, id)));
  return row;
}

/** Locks the row until the transaction ends, so concurrent changes to one job apply one after another. */
export async function lockOpsJob(db: Executor, workspaceId: string, id: string): Promise<OpsJob | undefined> {
  const [row] = await db
    .select()
    .from(opsJobs)
    .where(and(eq(opsJobs.workspaceId, workspaceId), eq(opsJobs.id, id)))
    .for('update');
  return row;
}

export async function listOpsJobs(db: Executor, workspaceId: string): Promise<OpsJob[]> {
  return db.select().from(opsJobs).where(eq(opsJobs.workspaceId, workspaceId)).orderBy(asc(opsJobs.name));
}

export async function updateOpsJob(
  db: Executor,
  workspaceId: string,
  id: string,
  changes: OpsJobChanges,
): Promise<OpsJob | undefined> {
  const [row] = await db
    .update(opsJobs)
    .set(changes)
    .where(and(eq(opsJobs.workspaceId, workspaceId), eq(opsJobs.id, id)))
    .returning();
  return row;
}

/** Deletes the job with its runs and log lines; false when there is none by that id. */
export async function deleteOpsJob(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(opsJobs)
    .where(and(eq(opsJobs.workspaceId, workspaceId), eq(opsJobs.id, id)))
    .returning({ id: opsJobs.id });
  return rows.length > 0;
}

import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { opsJobRuns, opsJobs, type OverlapPolicy, type StoredRetryPolicy } from '../schema/index.ts';

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

/** The Schedule's state as read from Temporal at `at`. */
export interface CachedScheduleState {
  nextRun: Date | null;
  paused: boolean;
  found: boolean;
  at: Date;
}

/** Records what Temporal said of the job's Schedule; updated_at is left alone (the job itself did not change). */
export async function saveScheduleState(db: Executor, id: string, state: CachedScheduleState): Promise<void> {
  await db
    .update(opsJobs)
    .set({
      scheduleNextRun: state.nextRun,
      schedulePaused: state.paused,
      scheduleFound: state.found,
      scheduleStateAt: state.at,
      updatedAt: sql`${opsJobs.updatedAt}`,
    })
    .where(eq(opsJobs.id, id));
}

/** Marks the cached state stale (a run began or ended, so the next run time moved): the refresh reads it again. */
export async function markScheduleStateStale(db: Executor, workspaceId: string, id: string): Promise<void> {
  await db
    .update(opsJobs)
    .set({ scheduleStateAt: null, updatedAt: sql`${opsJobs.updatedAt}` })
    .where(and(eq(opsJobs.workspaceId, workspaceId), eq(opsJobs.id, id)));
}

/** markScheduleStateStale for the job of a run. */
export async function markScheduleStateStaleForRun(db: Executor, workspaceId: string, runId: string): Promise<void> {
  const jobOfRun = db
    .select({ jobId: opsJobRuns.jobId })
    .from(opsJobRuns)
    .where(and(eq(opsJobRuns.workspaceId, workspaceId), eq(opsJobRuns.id, runId)));
  await db
    .update(opsJobs)
    .set({ scheduleStateAt: null, updatedAt: sql`${opsJobs.updatedAt}` })
    .where(and(eq(opsJobs.workspaceId, workspaceId), inArray(opsJobs.id, jobOfRun)));
}

/**
 * Jobs whose cached state needs reading again: never read, marked stale, read before `readBefore`, or whose
 * next run time has passed. Oldest first, at most `limit`.
 */
export async function listStaleOpsJobs(
  db: Executor,
  workspaceId: string,
  readBefore: Date,
  now: Date,
  limit: number,
): Promise<OpsJob[]> {
  return db
    .select()
    .from(opsJobs)
    .where(
      and(
        eq(opsJobs.workspaceId, workspaceId),
        or(isNull(opsJobs.scheduleStateAt), lt(opsJobs.scheduleStateAt, readBefore), lt(opsJobs.scheduleNextRun, now)),
      ),
    )
    .orderBy(sql`${opsJobs.scheduleStateAt} asc nulls first`)
    .limit(limit);
}

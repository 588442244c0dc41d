import { and, asc, desc, eq, gt, ilike, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { opsJobLogLines, opsJobRuns, type LogStream, type OpsRunStatus } from '../schema/index.ts';

export type OpsJobRun = typeof opsJobRuns.$inferSelect;
export type OpsLogLine = typeof opsJobLogLines.$inferSelect;

export const activeRunStatuses: OpsRunStatus[] = ['pending', 'running'];

/** A run the API asked for (trigger): recorded before the Schedule starts its workflow. */
export async function insertPendingRun(
  db: Executor,
  input: { workspaceId: string; jobId: string; workflowId: string },
): Promise<OpsJobRun | undefined> {
  const [row] = await db
    .insert(opsJobRuns)
    .values({ ...input, trigger: 'manual', status: 'pending' })
    .onConflictDoNothing()
    .returning();
  return row;
}

/**
 * Marks the run of this workflow as running; creates it when the Schedule started it on its own.
 * Idempotent: a retried activity gets the same row back.
 */
export async function beginRun(
  db: Executor,
  input: { workspaceId: string; jobId: string; workflowId: string },
): Promise<OpsJobRun> {
  const now = new Date();
  const [row] = await db
    .insert(opsJobRuns)
    .values({ ...input, trigger: 'schedule', status: 'running', startedAt: now })
    .onConflictDoUpdate({
      target: opsJobRuns.workflowId,
      set: {
        status: sql`case when ${opsJobRuns.status} = 'pending' then 'running'::ops_run_status else ${opsJobRuns.status} end`,
        startedAt: sql`coalesce(${opsJobRuns.startedAt}, ${now.toISOString()}::timestamptz)`,
      },
      where: eq(opsJobRuns.workspaceId, input.workspaceId),
    })
    .returning();
  if (!row) throw new Error(`failed to record the run of ${input.workflowId}`);
  return row;
}

/** Records that another attempt of the workload started. */
export async function markRunAttempt(db: Executor, workspaceId: string, runId: string, attempt: number): Promise<void> {
  await db
    .update(opsJobRuns)
    .set({ attempts: sql`greatest(${opsJobRuns.attempts}, ${attempt})`, status: 'running' })
    .where(and(eq(opsJobRuns.workspaceId, workspaceId), eq(opsJobRuns.id, runId)));
}

/**
 * Closes a run; the end time is kept from the first call, so retries do not move it.
 * `onlyIfActive` leaves runs that have an outcome already alone (for clean-ups racing the workflow).
 */
export async function finishRun(
  db: Executor,
  workspaceId: string,
  runId: string,
  outcome: { status: OpsRunStatus; exitCode?: number | null; error?: string | null },
  options: { onlyIfActive?: boolean } = {},
): Promise<OpsJobRun | undefined> {
  const conditions = [eq(opsJobRuns.workspaceId, workspaceId), eq(opsJobRuns.id, runId)];
  if (options.onlyIfActive) conditions.push(inArray(opsJobRuns.status, activeRunStatuses));
  const [row] = await db
    .update(opsJobRuns)
    .set({
      status: outcome.status,
      exitCode: outcome.exitCode ?? null,
      error: outcome.error ?? null,
      // The worker's clock, like started_at, so durations do not mix two clocks.
      endedAt: sql`coalesce(${opsJobRuns.endedAt}, ${new Date().toISOString()}::timestamptz)`,
    })
    .where(and(...conditions))
    .returning();
  return row;
}

export async function findRun(
  db: Executor,
  workspaceId: string,
  jobId: string,
  runId: string,
): Promise<OpsJobRun | undefined> {
  const [row] = await db
    .select()
    .from(opsJobRuns)
    .where(and(eq(opsJobRuns.workspaceId, workspaceId), eq(opsJobRuns.jobId, jobId), eq(opsJobRuns.id, runId)));
  return row;
}

/** Newest first. */
export async function listRuns(db: Executor, workspaceId: string, jobId: string, limit: number): Promise<OpsJobRun[]> {
  return db
    .select()
    .from(opsJobRuns)
    .where(and(eq(opsJobRuns.workspaceId, workspaceId), eq(opsJobRuns.jobId, jobId)))
    .orderBy(desc(opsJobRuns.createdAt), desc(opsJobRuns.id))
    .limit(limit);
}

/** Pending and running runs of the workspace (of one job when given), oldest first. */
export async function listActiveRuns(db: Executor, workspaceId: string, jobId?: string): Promise<OpsJobRun[]> {
  const conditions: SQL[] = [eq(opsJobRuns.workspaceId, workspaceId), inArray(opsJobRuns.status, activeRunStatuses)];
  if (jobId) conditions.push(eq(opsJobRuns.jobId, jobId));
  return db
    .select()
    .from(opsJobRuns)
    .where(and(...conditions))
    .orderBy(asc(opsJobRuns.createdAt));
}

/** The newest finished run of each job of the workspace (of one job when given). */
export async function listLastFinishedRuns(db: Executor, workspaceId: string, jobId?: string): Promise<OpsJobRun[]> {
  const conditions: SQL[] = [eq(opsJobRuns.workspaceId, workspaceId), notInArray(opsJobRuns.status, activeRunStatuses)];
  if (jobId) conditions.push(eq(opsJobRuns.jobId, jobId));
  return db
    .selectDistinctOn([opsJobRuns.jobId])
    .from(opsJobRuns)
    .where(and(...conditions))
    .orderBy(opsJobRuns.jobId, desc(opsJobRuns.createdAt));
}

export interface NewLogLine {
  workspaceId: string;
  runId: string;
  attempt: number;
  seq: number;
  stream: LogStream;
  line: string;
  at: Date;
}

/** Writing the same batch twice is harmless: (run, attempt, seq) is unique. */
export async function insertLogLines(db: Executor, lines: NewLogLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.insert(opsJobLogLines).values(lines).onConflictDoNothing();
}

export interface LogFilter {
  /** Case-insensitive substring. */
  q?: string;
  stream?: LogStream;
  /** Only lines written after this line id (live tails resume here). */
  afterId?: number;
  limit: number;
}

/** In the order they were written. */
export async function listLogLines(
  db: Executor,
  workspaceId: string,
  runId: string,
  filter: LogFilter,
): Promise<OpsLogLine[]> {
  const conditions: SQL[] = [eq(opsJobLogLines.workspaceId, workspaceId), eq(opsJobLogLines.runId, runId)];
  if (filter.stream) conditions.push(eq(opsJobLogLines.stream, filter.stream));
  if (filter.afterId !== undefined) conditions.push(gt(opsJobLogLines.id, filter.afterId));
  if (filter.q) conditions.push(ilike(opsJobLogLines.line, `%${escapeLike(filter.q)}%`));
  return db
    .select()
    .from(opsJobLogLines)
    .where(and(...conditions))
    .orderBy(asc(opsJobLogLines.id))
    .limit(filter.limit);
}

/** `%`, `_` and `\` match themselves in a search. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

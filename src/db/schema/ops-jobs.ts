import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.ts';
import { workspaces } from './workspaces.ts';

/** What happens when a run is due while another still runs (Temporal's schedule overlap policies). */
export const overlapPolicies = ['skip', 'buffer-one', 'allow-all', 'cancel-other'] as const;
export type OverlapPolicy = (typeof overlapPolicies)[number];

export const opsRunStatuses = ['pending', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type OpsRunStatus = (typeof opsRunStatuses)[number];
export const opsRunStatusEnum = pgEnum('ops_run_status', opsRunStatuses);

export const logStreams = ['stdout', 'stderr'] as const;
export type LogStream = (typeof logStreams)[number];

/** Retry policy of the workload activity, as stored (milliseconds). */
export interface StoredRetryPolicy {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export const opsJobs = pgTable(
  'ops_jobs',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    // The workspace environment whose binding says what the job may touch.
    environment: text().notNull().default('ops'),
    name: text().notNull(),
    description: text().notNull().default(''),
    // Five cron fields, evaluated by Temporal (day-of-month AND day-of-week).
    cron: text().notNull(),
    // IANA zone the cron expression is read in; null means UTC.
    timeZone: text(),
    overlapPolicy: text().$type<OverlapPolicy>().notNull().default('skip'),
    catchupWindowMs: integer().notNull(),
    paused: boolean().notNull().default(false),
    retry: jsonb().$type<StoredRetryPolicy>().notNull(),
    // Per attempt.
    timeoutMs: integer().notNull(),
    // The workload definition (local command, Kubernetes Job or built-in); validated by src/ops/definition.ts.
    workload: jsonb().$type<Record<string, unknown>>().notNull(),
    // The Temporal Schedule that starts the runs.
    scheduleId: text().notNull(),
    createdBy: text().notNull(),
    // Cached Schedule state, so the job list answers from Postgres alone (src/ops/schedule-state.ts).
    // Next time the Schedule starts a run, as Temporal said at scheduleStateAt (null when paused or missing).
    scheduleNextRun: timestamp({ withTimezone: true }),
    // Whether Temporal said the Schedule is paused; null until first read (the row's paused applies).
    schedulePaused: boolean(),
    // False once a refresh found no Schedule in Temporal.
    scheduleFound: boolean().notNull().default(true),
    // When the state above was read from Temporal; null means stale (a run began or ended since).
    scheduleStateAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('ops_jobs_workspace_name_unique').on(table.workspaceId, table.name),
    uniqueIndex('ops_jobs_schedule_unique').on(table.scheduleId),
  ],
);

export const opsJobRuns = pgTable(
  'ops_job_runs',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    jobId: uuid()
      .notNull()
      .references(() => opsJobs.id, { onDelete: 'cascade' }),
    // The run's workflow: one row per workflow, so a retried activity finds the same row.
    workflowId: text().notNull(),
    // "schedule" (cron or backfill) or "manual" (POST .../trigger).
    trigger: text().$type<'schedule' | 'manual'>().notNull(),
    status: opsRunStatusEnum().notNull().default('pending'),
    // Attempts of the workload so far (Temporal retries it per the job's retry policy).
    attempts: integer().notNull().default(0),
    exitCode: integer(),
    error: text(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('ops_job_runs_workflow_unique').on(table.workflowId),
    index('ops_job_runs_job_created_idx').on(table.jobId, table.createdAt),
  ],
);

export const opsJobLogLines = pgTable(
  'ops_job_log_lines',
  {
    // Insertion order: live tails resume after the last id they sent.
    id: bigserial({ mode: 'number' }).primaryKey(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    runId: uuid()
      .notNull()
      .references(() => opsJobRuns.id, { onDelete: 'cascade' }),
    attempt: integer().notNull(),
    // Per run and attempt: makes writing a batch twice harmless.
    seq: integer().notNull(),
    stream: text().$type<LogStream>().notNull(),
    line: text().notNull(),
    at: timestamp({ withTimezone: true }).notNull(),
  },
  (table) => [uniqueIndex('ops_job_log_lines_run_seq_unique').on(table.runId, table.attempt, table.seq)],
);

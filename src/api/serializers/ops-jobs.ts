import { z } from '@hono/zod-openapi';
import type { OpsJobRun, OpsLogLine } from '../../db/repositories/ops-job-runs.ts';
import type { OpsJob } from '../../db/repositories/ops-jobs.ts';
import { logStreams, opsRunStatuses, overlapPolicies } from '../../db/schema/index.ts';
import { nextRunTimes, parseCron } from '../../ops/cron.ts';
import { workloadSchema } from '../../ops/definition.ts';
import type { JobState } from '../../ops/runs.ts';

export const jobStatuses = ['running', 'paused', 'scheduled', 'schedule_missing'] as const;

export const opsRunSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(opsRunStatuses),
    trigger: z.enum(['schedule', 'manual']),
    attempts: z.number().int(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    exit_code: z.number().int().nullable(),
    duration_ms: z.number().int().nullable(),
    error: z.string().nullable(),
    workflow_id: z.string(),
  })
  .openapi('OpsJobRun');

const scheduleBodySchema = z.object({ cron: z.string(), time_zone: z.string().nullable() });

export const opsJobSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    environment: z.string(),
    description: z.string(),
    schedule: scheduleBodySchema,
    status: z.enum(jobStatuses),
    next_run: z.string().nullable(),
    last_run: opsRunSchema.nullable(),
    current_run: opsRunSchema.nullable(),
    elapsed_ms: z.number().int().nullable().openapi({ description: 'How long the current run has been going' }),
    schedule_state_at: z.string().nullable().openapi({
      description:
        'When next_run, paused and schedule_missing were read from Temporal (the list shows a cached state; null: not read since the last run began or ended)',
    }),
  })
  .openapi('OpsJobSummary');

export const opsJobSchema = opsJobSummarySchema
  .extend({
    policy: z.object({
      overlap: z.enum(overlapPolicies),
      catchup_window_ms: z.number().int(),
      retry: z.object({
        maximum_attempts: z.number().int(),
        initial_interval_ms: z.number().int(),
        backoff_coefficient: z.number(),
        maximum_interval_ms: z.number().int(),
      }),
      timeout_ms: z.number().int(),
    }),
    paused: z.boolean(),
    workload: workloadSchema,
    preview: z.array(z.string()).openapi({ description: 'The next 5 run times, as Temporal computes them' }),
    schedule_id: z.string(),
    web_ui_url: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('OpsJob');

export const opsLogLineSchema = z
  .object({
    id: z.number().int(),
    attempt: z.number().int(),
    seq: z.number().int(),
    stream: z.enum(logStreams),
    line: z.string(),
    at: z.string(),
  })
  .openapi('OpsLogLine');

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toRunBody(run: OpsJobRun): z.infer<typeof opsRunSchema> {
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    attempts: run.attempts,
    started_at: iso(run.startedAt),
    ended_at: iso(run.endedAt),
    exit_code: run.exitCode,
    duration_ms: run.startedAt && run.endedAt ? run.endedAt.getTime() - run.startedAt.getTime() : null,
    error: run.error,
    workflow_id: run.workflowId,
  };
}

export interface JobView {
  job: OpsJob;
  state: JobState;
  lastRun?: OpsJobRun;
  currentRun?: OpsJobRun;
}

export function toJobSummary(view: JobView, now = new Date()): z.infer<typeof opsJobSummarySchema> {
  const { job, state, lastRun, currentRun } = view;
  const status = currentRun ? 'running' : !state.scheduleFound ? 'schedule_missing' : state.paused ? 'paused' : 'scheduled';
  const startedAt = currentRun?.startedAt;
  return {
    id: job.id,
    name: job.name,
    environment: job.environment,
    description: job.description,
    schedule: { cron: job.cron, time_zone: job.timeZone },
    status,
    next_run: iso(state.nextRun),
    last_run: lastRun ? toRunBody(lastRun) : null,
    current_run: currentRun ? toRunBody(currentRun) : null,
    elapsed_ms: startedAt ? Math.max(0, now.getTime() - startedAt.getTime()) : null,
    schedule_state_at: iso(state.stateAt ?? null),
  };
}

/** The Web UI's page of a Schedule. */
export function scheduleUiUrl(base: string, namespace: string, scheduleId: string): string {
  return `${base}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}

/** The next five times, computed as Temporal does (see src/ops/cron.ts). */
export function previewOf(job: Pick<OpsJob, 'cron' | 'timeZone'>, now = new Date()): string[] {
  const parsed = parseCron(job.cron, job.timeZone);
  return parsed.ok ? nextRunTimes(parsed.schedule, now, 5).map((date) => date.toISOString()) : [];
}

export function toJobBody(
  view: JobView,
  ui: { base: string; namespace: string },
  now = new Date(),
): z.infer<typeof opsJobSchema> {
  const { job } = view;
  return {
    ...toJobSummary(view, now),
    policy: {
      overlap: job.overlapPolicy,
      catchup_window_ms: job.catchupWindowMs,
      retry: {
        maximum_attempts: job.retry.maximumAttempts,
        initial_interval_ms: job.retry.initialIntervalMs,
        backoff_coefficient: job.retry.backoffCoefficient,
        maximum_interval_ms: job.retry.maximumIntervalMs,
      },
      timeout_ms: job.timeoutMs,
    },
    paused: job.paused,
    workload: workloadSchema.parse(job.workload),
    preview: previewOf(job, now),
    schedule_id: job.scheduleId,
    web_ui_url: scheduleUiUrl(ui.base, ui.namespace, job.scheduleId),
    created_by: job.createdBy,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
  };
}

export function toLogLineBody(line: OpsLogLine): z.infer<typeof opsLogLineSchema> {
  return { id: line.id, attempt: line.attempt, seq: line.seq, stream: line.stream, line: line.line, at: line.at.toISOString() };
}

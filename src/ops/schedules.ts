import { randomUUID } from 'node:crypto';
import {
  encodeScheduleOverlapPolicy,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { OpsJob } from '../db/repositories/ops-jobs.ts';
import type { OverlapPolicy } from '../db/schema/index.ts';
import { workspaceSearchAttribute } from '../temporal/search-attributes.ts';
import type { OpsJobInput, opsJobWorkflow } from '../workflows/ops-job.ts';

/** Where the Schedules start their workflows, and under which workspace name they are filed. */
export interface ScheduleContext {
  temporal: Client;
  taskQueue: string;
  workspaceName: string;
}

/** One Schedule per job; its runs' workflow ids are this id plus "-" and the run's nominal time. */
export function opsScheduleId(workspaceId: string, jobId: string): string {
  return `ops-job/${workspaceId}/${jobId}`;
}

const overlapToTemporal: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'allow-all': 'ALLOW_ALL',
  'cancel-other': 'CANCEL_OTHER',
};

type JobSchedule = Pick<
  OpsJob,
  'id' | 'workspaceId' | 'name' | 'description' | 'cron' | 'timeZone' | 'overlapPolicy' | 'catchupWindowMs' | 'paused'
>;

/** Everything the Schedule holds, rebuilt from the job row (create and update use the same). */
function scheduleParts(job: JobSchedule, context: ScheduleContext) {
  const args: [OpsJobInput] = [{ workspaceId: job.workspaceId, jobId: job.id }];
  return {
    spec: { cronExpressions: [job.cron], timezone: job.timeZone ?? 'UTC' },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'opsJobWorkflow',
      workflowId: opsScheduleId(job.workspaceId, job.id),
      taskQueue: context.taskQueue,
      args,
      typedSearchAttributes: [{ key: workspaceSearchAttribute, value: context.workspaceName }],
      staticSummary: `operations job ${job.name}`,
    },
    policies: { overlap: overlapToTemporal[job.overlapPolicy], catchupWindow: job.catchupWindowMs },
    state: { paused: job.paused, note: job.description || `operations job ${job.name}` },
  };
}

export async function createJobSchedule(job: JobSchedule & { scheduleId: string }, context: ScheduleContext): Promise<void> {
  const options: ScheduleOptions = {
    scheduleId: job.scheduleId,
    ...scheduleParts(job, context),
    memo: { workspaceId: job.workspaceId, jobId: job.id, jobName: job.name },
  };
  await context.temporal.schedule.create<typeof opsJobWorkflow>(options as ScheduleOptions<never>);
}

/** Replaces spec, action, policies and paused state with what the job row says. */
export async function updateJobSchedule(job: JobSchedule & { scheduleId: string }, context: ScheduleContext): Promise<void> {
  await context.temporal.schedule.getHandle(job.scheduleId).update(() => scheduleParts(job, context));
}

/** Deletes the Schedule; true when it existed. Runs it started keep running. */
export async function deleteJobSchedule(temporal: Client, scheduleId: string): Promise<boolean> {
  try {
    await temporal.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

export async function setSchedulePaused(temporal: Client, scheduleId: string, paused: boolean, note: string): Promise<void> {
  const handle = temporal.schedule.getHandle(scheduleId);
  await (paused ? handle.pause(note) : handle.unpause(note));
}

/** The Schedule as Temporal sees it now, or undefined when it does not exist. */
export async function describeJobSchedule(temporal: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await temporal.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** Workflow id Temporal gives the run it starts for `nominalTime` (whole seconds, RFC 3339 in UTC). */
export function runWorkflowId(scheduleId: string, nominalTime: Date): string {
  return `${scheduleId}-${nominalTime.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * Asks the Schedule to start a run now under the job's overlap policy. The request names the run's
 * nominal time, which Temporal (server 1.29 and later) puts in the workflow id, so the id is known before
 * the run starts. Its seconds are never 0: cron runs start on whole minutes and must not share the id.
 */
export async function triggerJobSchedule(
  temporal: Client,
  scheduleId: string,
  overlap: OverlapPolicy,
  nominalTime: Date,
): Promise<void> {
  // protobufjs takes a plain number for an int64 field; the generated type only names Long.
  const scheduledTime = { seconds: Math.floor(nominalTime.getTime() / 1000), nanos: 0 } as unknown as ProtoTimestamp;
  await temporal.workflowService.patchSchedule({
    namespace: temporal.options.namespace,
    scheduleId,
    patch: {
      triggerImmediately: {
        overlapPolicy: encodeScheduleOverlapPolicy(overlapToTemporal[overlap]),
        scheduledTime,
      },
    },
    identity: temporal.options.identity,
    requestId: randomUUID(),
  });
}

type PatchRequest = Parameters<Client['workflowService']['patchSchedule']>[0];
type ProtoTimestamp = NonNullable<NonNullable<NonNullable<PatchRequest['patch']>['triggerImmediately']>['scheduledTime']>;

/** A nominal time for a manual run: now, in whole seconds, moved off second 0. */
export function manualNominalTime(now: Date, offsetSeconds = 0): Date {
  const seconds = Math.floor(now.getTime() / 1000) + offsetSeconds;
  return new Date((seconds % 60 === 0 ? seconds + 1 : seconds) * 1000);
}

/** Starts the runs the cron expression had between `from` and `to`, one after another. */
export async function backfillJobSchedule(temporal: Client, scheduleId: string, from: Date, to: Date): Promise<void> {
  await temporal.schedule.getHandle(scheduleId).backfill({ start: from, end: to, overlap: 'BUFFER_ALL' });
}

import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { listStaleOpsJobs, saveScheduleState, type OpsJob } from '../db/repositories/ops-jobs.ts';
import type { Logger } from '../logger.ts';
import { reconcileRuns, type JobState } from './runs.ts';
import { describeJobSchedule } from './schedules.ts';

// The job list answers from Postgres alone: each row caches its Schedule's state (next run, paused, found).
// The API writes it whenever it talks to the Schedule anyway (create, change, pause, single-job reads), the
// run activities mark it stale when a run begins or ends, and a background pass reads stale rows again.

/** How old a cached state may grow before the background pass reads it again. */
export const scheduleStateMaxAgeMs = 30_000;

/** The job's state as last read from Temporal; a row never read yet shows what the row itself says. */
export function cachedJobState(job: OpsJob): JobState {
  return {
    nextRun: job.scheduleNextRun,
    scheduleFound: job.scheduleFound,
    paused: job.schedulePaused ?? job.paused,
    stateAt: job.scheduleStateAt,
  };
}

/** Describes the job's Schedule now and records what Temporal said. */
export async function readScheduleState(deps: { db: Database; temporal: Client }, job: OpsJob, now = new Date()): Promise<JobState> {
  const description = await describeJobSchedule(deps.temporal, job.scheduleId);
  const paused = description ? description.state.paused : job.paused;
  const nextRun = description && !paused ? (description.info.nextActionTimes[0] ?? null) : null;
  await saveScheduleState(deps.db, job.id, { nextRun, paused, found: description !== undefined, at: now });
  return { nextRun, scheduleFound: description !== undefined, paused, stateAt: now };
}

export interface RefresherOptions {
  /** Schedules described at once by one pass. */
  concurrency?: number;
  /** Stale rows read per query of a pass. */
  batchSize?: number;
  maxAgeMs?: number;
  /** Least time between the end of one pass and the start of the next, per workspace (lists may come often). */
  minIntervalMs?: number;
}

/** Refreshes stale cached states in the background, one pass per workspace at a time. */
export interface ScheduleStateRefresher {
  /** Starts a pass for the workspace unless one runs already; never waits for it, never throws. */
  kick(workspaceId: string): void;
  /** Resolves when the workspace's current pass (if any) has ended; for tests and benches. */
  idle(workspaceId: string): Promise<void>;
}

export function createScheduleStateRefresher(
  deps: { db: Database; temporal: Client; logger: Logger },
  options: RefresherOptions = {},
): ScheduleStateRefresher {
  const concurrency = options.concurrency ?? 8;
  const batchSize = options.batchSize ?? 200;
  const maxAgeMs = options.maxAgeMs ?? scheduleStateMaxAgeMs;
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const passes = new Map<string, Promise<void>>();
  const lastEnded = new Map<string, number>();

  async function pass(workspaceId: string): Promise<void> {
    // Closes run rows whose workflow ended without recording it (one describe per active run, not per job).
    await reconcileRuns(deps, workspaceId);
    const started = new Date();
    const seen = new Set<string>();
    for (;;) {
      const stale = (await listStaleOpsJobs(deps.db, workspaceId, new Date(started.getTime() - maxAgeMs), started, batchSize)).filter(
        (job) => !seen.has(job.id),
      );
      if (stale.length === 0) return;
      for (const job of stale) seen.add(job.id);
      let next = 0;
      const lane = async () => {
        while (next < stale.length) {
          const job = stale[next++];
          if (!job) return;
          await readScheduleState(deps, job).catch((err: unknown) =>
            deps.logger.warn({ err, scheduleId: job.scheduleId }, 'could not refresh the state of a Schedule'),
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, stale.length) }, lane));
    }
  }

  return {
    kick(workspaceId) {
      if (passes.has(workspaceId)) return;
      if (Date.now() - (lastEnded.get(workspaceId) ?? 0) < minIntervalMs) return;
      const running = pass(workspaceId)
        .catch((err: unknown) => deps.logger.warn({ err, workspaceId }, 'the Schedule state refresh failed'))
        .finally(() => {
          passes.delete(workspaceId);
          lastEnded.set(workspaceId, Date.now());
        });
      passes.set(workspaceId, running);
    },
    async idle(workspaceId) {
      await passes.get(workspaceId);
    },
  };
}

// needs: Postgres, Temporal dev server, pg_dump and pg_restore (the backup job)
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deployments } from '../../src/db/schema/index.ts';
import { bindTestWorkspace, testPolicy } from '../support/bindings.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// Runs the Schedule starts on its own (cron, backfill), pausing, and the built-in jobs.
// The harness worker gets the test database's URL for the backup job.

let harness: Harness;
let workspace: TestWorkspace;
let backupDir: string;

beforeAll(async () => {
  harness = await startHarness({ ops: { databaseUrl: inject('databaseUrl') } });
  workspace = await createTestWorkspace(harness.db, 'sched');
  // The backup test dumps this run's database: granted on purpose, as a platform admin would.
  await bindTestWorkspace(harness.db, workspace.id, 'local', { ...testPolicy.local, databases: { platform: { platform: true } } });
  backupDir = await mkdtemp(path.join(tmpdir(), 'cutover-backup-'));
});
afterAll(async () => {
  await harness?.close();
  await rm(backupDir, { recursive: true, force: true });
});

interface RunBody {
  id: string;
  status: string;
  trigger: string;
  exit_code: number | null;
}

let counter = 0;

async function createJob(body: Record<string, unknown>): Promise<{ id: string; schedule_id: string }> {
  const response = await harness.call('POST', '/api/v1/ops/jobs', {
    token: workspace.tokens.operator,
    body: { name: `sched-${++counter}-${Date.now().toString(36)}`, schedule: { cron: '0 0 1 1 *' }, ...body },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string; schedule_id: string };
}

async function runs(jobId: string): Promise<RunBody[]> {
  const response = await harness.call('GET', `/api/v1/ops/jobs/${jobId}/runs`, { token: workspace.tokens.viewer });
  return ((await response.json()) as { items: RunBody[] }).items;
}

const finished = (run: RunBody) => !['pending', 'running'].includes(run.status);

async function runOnce(jobId: string): Promise<RunBody> {
  // A run whose outcome is recorded may still be closing in Temporal for a moment, and the Schedule would drop a
  // trigger then (overlap: skip): the API answers 423 until it has closed, so try again for a few seconds.
  const trigger = () => harness.call('POST', `/api/v1/ops/jobs/${jobId}/trigger`, { token: workspace.tokens.operator, body: { confirm: true } });
  let response = await trigger();
  for (let attempt = 0; response.status === 423 && attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    response = await trigger();
  }
  expect(response.status, await response.clone().text()).toBe(202);
  const { run_id: runId } = (await response.json()) as { run_id: string };
  return eventually(async () => (await runs(jobId)).find((run) => run.id === runId && finished(run)), 30_000);
}

async function logText(jobId: string, runId: string): Promise<string> {
  const response = await harness.call('GET', `/api/v1/ops/jobs/${jobId}/runs/${runId}/logs`, { token: workspace.tokens.viewer });
  return ((await response.json()) as { items: Array<{ line: string }> }).items.map((item) => item.line).join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('pausing', () => {
  it('stops the runs the Schedule starts, and unpausing resumes them', async () => {
    const job = await createJob({ workload: { type: 'local', command: ['sh', '-c', 'echo tick'] } });
    // Durations are inputs: the test gives the Schedule a 2-second interval instead of waiting for a cron minute.
    await harness.temporal.schedule.getHandle(job.schedule_id).update((current) => ({ ...current, spec: { intervals: [{ every: '2s' }] } }));
    await eventually(async () => ((await runs(job.id)).some((run) => run.status === 'succeeded') ? true : undefined));
    expect((await runs(job.id)).every((run) => run.trigger === 'schedule')).toBe(true);

    const paused = await harness.call('POST', `/api/v1/ops/jobs/${job.id}/pause`, { token: workspace.tokens.operator });
    expect(paused.status).toBe(200);
    await eventually(async () => ((await runs(job.id)).every(finished) ? true : undefined));
    const before = (await runs(job.id)).length;
    await sleep(5000);
    expect((await runs(job.id)).length).toBe(before);

    await harness.call('POST', `/api/v1/ops/jobs/${job.id}/unpause`, { token: workspace.tokens.operator });
    await eventually(async () => ((await runs(job.id)).length > before ? true : undefined));
    expect((await harness.call('DELETE', `/api/v1/ops/jobs/${job.id}`, { token: workspace.tokens.operator })).status).toBe(204);
  }, 60_000);
});

describe('backfill', () => {
  it('starts the runs the cron expression had in the range, one after another', async () => {
    const job = await createJob({ schedule: { cron: '0 * * * *' }, workload: { type: 'local', command: ['true'] } });
    const to = new Date();
    const from = new Date(to.getTime() - 3 * 3_600_000 + 1000);
    const response = await harness.call('POST', `/api/v1/ops/jobs/${job.id}/backfill`, {
      token: workspace.tokens.operator,
      body: { from: from.toISOString(), to: to.toISOString() },
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { runs: number; run_times: string[] };
    expect(body.runs).toBe(3);
    const done = await eventually(async () => {
      const all = await runs(job.id);
      return all.length === 3 && all.every(finished) ? all : undefined;
    }, 30_000);
    expect(done.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const description = await harness.temporal.schedule.getHandle(job.schedule_id).describe();
    expect(description.info.recentActions.map((action) => action.scheduledAt.toISOString()).sort()).toEqual(body.run_times.sort());
  });

  it('refuses an empty, reversed or too large range with 422', async () => {
    const job = await createJob({ schedule: { cron: '* * * * *' }, workload: { type: 'local', command: ['true'] } });
    const cases = [
      { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      { from: 'yesterday', to: '2026-01-02T00:00:00Z' },
    ];
    for (const body of cases) {
      const response = await harness.call('POST', `/api/v1/ops/jobs/${job.id}/backfill`, { token: workspace.tokens.operator, body });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    expect(await runs(job.id)).toEqual([]);
  });
});

describe('built-in jobs', () => {
  it('cleans up old finished deployment records of its own workspace only', async () => {
    const other = await createTestWorkspace(harness.db, 'sched-other');
    const old = new Date(Date.now() - 100 * 86_400_000);
    const row = (workspaceId: string, status: 'succeeded' | 'in_progress', finishedAt: Date | null) => ({
      workspaceId,
      service: 'web',
      environment: 'dev',
      version: '1',
      strategy: 'dry-run' as const,
      status,
      workflowId: `cleanup-test-${Math.random()}`,
      createdBy: 'test',
      createdAt: old,
      finishedAt,
    });
    const inserted = await harness.db
      .insert(deployments)
      .values([
        row(workspace.id, 'succeeded', old),
        row(workspace.id, 'in_progress', null),
        row(workspace.id, 'succeeded', new Date()),
        row(other.id, 'succeeded', old),
      ])
      .returning({ id: deployments.id });
    const ids = inserted.map((item) => item.id);

    const job = await createJob({ workload: { type: 'cleanup-deployments', older_than_days: 30 } });
    const run = await runOnce(job.id);
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded', exit_code: 0 });
    expect(await logText(job.id, run.id)).toMatch(/deleted 1 deployment record/);
    const left = await harness.db.select({ id: deployments.id }).from(deployments).where(inArray(deployments.id, ids));
    expect(left.map((item) => item.id).sort()).toEqual(ids.slice(1).sort());
    await harness.db.delete(deployments).where(eq(deployments.workspaceId, other.id));
  });

  it('dumps the database with pg_dump and keeps the newest N dumps', async () => {
    const job = await createJob({ workload: { type: 'database-backup', database: 'platform', directory: backupDir, keep: 2 } });
    const results = [];
    for (let index = 0; index < 3; index++) results.push(await runOnce(job.id));
    expect(results.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const files = (await readdir(backupDir)).sort();
    expect(files).toHaveLength(2);
    for (const run of results.slice(1)) expect(files.some((file) => file.endsWith(`-${run.id.slice(0, 8)}.dump`))).toBe(true);
    for (const file of files) {
      expect((await stat(path.join(backupDir, file))).size).toBeGreaterThan(0);
      // A valid custom-format dump that lists Cutover's tables.
      const { stdout } = await promisify(execFile)('pg_restore', ['--list', path.join(backupDir, file)]);
      expect(stdout).toMatch(/TABLE public ops_jobs/);
    }
    expect(await logText(job.id, results[2]!.id)).toMatch(/deleted old dump/);
  });
});

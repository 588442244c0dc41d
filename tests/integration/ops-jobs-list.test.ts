import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/api/create-app.ts';
import { opsJobs } from '../../src/db/schema/index.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { createTestWorkspace, eventually, startHarness, testLogger, type Harness, type TestWorkspace } from '../support/harness.ts';

// needs: Postgres, Temporal dev server (a worker for the run test).
// GET /ops/jobs answers from Postgres: the Schedule state is cached on the job row and refreshed in the
// background, so the list neither waits for Temporal nor fails when it cannot be reached.

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

interface Summary {
  id: string;
  name: string;
  status: string;
  next_run: string | null;
  schedule_state_at: string | null;
}

const farFuture = '0 0 1 1 *';
let counter = 0;

async function createJob(workspace: TestWorkspace, command = 'echo hi'): Promise<Summary & { schedule_id: string }> {
  const response = await harness.call('POST', '/api/v1/ops/jobs', {
    token: workspace.tokens.operator,
    body: { name: `list-${++counter}-${Date.now().toString(36)}`, schedule: { cron: farFuture }, workload: { type: 'local', command: ['sh', '-c', command] } },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as Summary & { schedule_id: string };
}

async function list(workspace: TestWorkspace, app = harness.app): Promise<{ status: number; items: Summary[] }> {
  const response = await app.request('/api/v1/ops/jobs', { headers: { authorization: `Bearer ${workspace.tokens.viewer}` } });
  const body = (await response.json()) as { items: Summary[] };
  return { status: response.status, items: body.items };
}

describe('the job list', () => {
  it('lists 50 jobs with their next runs while Temporal cannot be reached (no Temporal call per job)', async () => {
    const workspace = await createTestWorkspace(harness.db, 'list-offline');
    const created = [];
    for (let i = 0; i < 50; i++) created.push(await createJob(workspace));

    // The same database behind a Temporal client whose connection is closed: any call to Temporal fails.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    await connection.close();
    const offline = createApp({
      db: harness.db,
      temporal: new Client({ connection }),
      logger: testLogger,
      taskQueue: harness.taskQueue,
      temporalUiUrl: 'http://localhost:8233',
      targets: createTargetDeps({ startSupervisor: false, watchKubernetes: false }),
    });
    const started = performance.now();
    const { status, items } = await list(workspace, offline);
    const elapsed = performance.now() - started;
    expect(status).toBe(200);
    expect(items).toHaveLength(50);
    for (const job of created) {
      const item = items.find((candidate) => candidate.id === job.id);
      expect(item).toMatchObject({ status: 'scheduled', next_run: job.next_run });
      expect(item?.next_run).not.toBeNull();
      expect(Date.parse(item?.schedule_state_at ?? '')).toBeLessThanOrEqual(Date.now());
    }
    expect(elapsed).toBeLessThan(2000);
  });

  it('answers from the cache when a Schedule is deleted behind its back, and the refresh marks it missing later', async () => {
    const workspace = await createTestWorkspace(harness.db, 'list-missing');
    const job = await createJob(workspace);
    const other = await createJob(workspace);
    await harness.temporal.schedule.getHandle(job.schedule_id).delete();

    // Fresh cache: the list does not ask Temporal, so it still shows what was last read.
    const before = await list(workspace);
    expect(before.items.find((item) => item.id === job.id)?.status).toBe('scheduled');

    // Once the cached state is older than the refresh interval, a list starts a refresh and answers at once.
    const old = new Date(Date.now() - 3_600_000);
    await harness.db.update(opsJobs).set({ scheduleStateAt: old }).where(eq(opsJobs.workspaceId, workspace.id));
    const stale = await list(workspace);
    expect(stale.items.find((item) => item.id === job.id)?.schedule_state_at).toBe(old.toISOString());

    const after = await eventually(async () => {
      const { items } = await list(workspace);
      const refreshed = items.filter((item) => Date.parse(item.schedule_state_at ?? '') > old.getTime());
      return refreshed.length === 2 ? items : undefined;
    });
    const missing = after.find((item) => item.id === job.id);
    expect(missing).toMatchObject({ status: 'schedule_missing', next_run: null });
    // The other job's Schedule still exists: refreshed, still scheduled.
    const kept = after.find((item) => item.id === other.id);
    expect(kept).toMatchObject({ status: 'scheduled', next_run: other.next_run });

    // The single-job read describes the Schedule itself.
    const detail = await harness.call('GET', `/api/v1/ops/jobs/${job.id}`, { token: workspace.tokens.viewer });
    expect(((await detail.json()) as Summary).status).toBe('schedule_missing');
  });

  it('marks the cached state stale when a run begins and ends, and refreshes it after', async () => {
    const workspace = await createTestWorkspace(harness.db, 'list-run');
    const job = await createJob(workspace, 'echo ran');
    const trigger = await harness.call('POST', `/api/v1/ops/jobs/${job.id}/trigger`, {
      token: workspace.tokens.operator,
      body: { confirm: true },
    });
    expect(trigger.status, await trigger.clone().text()).toBe(202);
    const runId = ((await trigger.json()) as { run_id: string }).run_id;
    await eventually(async () => {
      const response = await harness.call('GET', `/api/v1/ops/jobs/${job.id}/runs`, { token: workspace.tokens.viewer });
      const runs = ((await response.json()) as { items: Array<{ id: string; status: string }> }).items;
      return runs.find((run) => run.id === runId && run.status === 'succeeded');
    });
    // The end of the run is recorded just after its row is closed.
    await eventually(async () => {
      const [row] = await harness.db.select().from(opsJobs).where(eq(opsJobs.id, job.id));
      return row?.scheduleStateAt === null ? row : undefined;
    });

    const refreshed = await eventually(async () => {
      const { items } = await list(workspace);
      const item = items.find((candidate) => candidate.id === job.id);
      return item?.schedule_state_at ? item : undefined;
    });
    expect(refreshed).toMatchObject({ status: 'scheduled', next_run: job.next_run });
  });
});

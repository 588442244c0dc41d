// needs: Postgres, Temporal dev server
import { Client, Connection } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/api/create-app.ts';
import { auditLog, opsJobs } from '../../src/db/schema/index.ts';
import { opsScheduleId } from '../../src/ops/schedules.ts';
import { createTestWorkspace, startHarness, testLogger, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';

// The jobs API and the Temporal Schedules behind it. No worker polls this harness's queue, and the cron
// expressions here fire far in the future, so no run starts (runs are in ops-jobs-runs.test.ts).

let harness: Harness;
let mine: TestWorkspace;
let theirs: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  mine = await createTestWorkspace(harness.db, 'ops');
  theirs = await createTestWorkspace(harness.db, 'ops-other');
});
afterAll(() => harness?.close());

interface JobBody {
  id: string;
  name: string;
  status: string;
  schedule: { cron: string; time_zone: string | null };
  next_run: string | null;
  preview: string[];
  paused: boolean;
  schedule_id: string;
  policy: { overlap: string; catchup_window_ms: number; retry: Record<string, number>; timeout_ms: number };
}
interface ErrorBody {
  error: { code: string; details?: Array<{ path: string; message: string }> };
}

const farFuture = '0 0 1 1 *';
const echo = { type: 'local', command: ['sh', '-c', 'echo hi'] };
let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Date.now().toString(36)}`;

async function createJob(body: Record<string, unknown>, token = mine.tokens.operator): Promise<JobBody> {
  const response = await harness.call('POST', '/api/v1/ops/jobs', {
    token,
    body: { name: uniqueName('job'), schedule: { cron: farFuture }, workload: echo, ...body },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as JobBody;
}

async function jobNames(workspace: TestWorkspace): Promise<string[]> {
  const response = await harness.call('GET', '/api/v1/ops/jobs', { token: workspace.tokens.viewer });
  return ((await response.json()) as { items: JobBody[] }).items.map((job) => job.name);
}

const scheduleOf = (job: JobBody) => harness.temporal.schedule.getHandle(job.schedule_id).describe();

describe('creating a job', () => {
  it('creates the Temporal Schedule and previews the next five runs the way Temporal computes them', async () => {
    const job = await createJob({ schedule: { cron: '15 3 * * mon-fri', time_zone: 'Europe/Paris' } });
    expect(job.status).toBe('scheduled');
    expect(job.schedule_id).toBe(opsScheduleId(mine.id, job.id));
    expect(job.policy).toEqual({
      overlap: 'skip',
      catchup_window_ms: 60_000,
      retry: { maximum_attempts: 1, initial_interval_ms: 1000, backoff_coefficient: 2, maximum_interval_ms: 60_000 },
      timeout_ms: 3_600_000,
    });

    const schedule = await scheduleOf(job);
    expect(schedule.action.workflowType).toBe('opsJobWorkflow');
    expect(schedule.action.taskQueue).toBe(harness.taskQueue);
    expect(schedule.action.args).toEqual([{ workspaceId: mine.id, jobId: job.id }]);
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.spec.timezone).toBe('Europe/Paris');
    expect(schedule.state.paused).toBe(false);
    expect(job.preview).toEqual(schedule.info.nextActionTimes.slice(0, 5).map((date) => date.toISOString()));
    expect(job.next_run).toBe(job.preview[0]);
  });

  it('ANDs day-of-month and day-of-week like Temporal: Friday the 13th only', async () => {
    const job = await createJob({ schedule: { cron: '0 0 13 * 5' } });
    for (const time of job.preview) {
      expect(new Date(time).getUTCDate()).toBe(13);
      expect(new Date(time).getUTCDay()).toBe(5);
    }
    const schedule = await scheduleOf(job);
    expect(job.preview).toEqual(schedule.info.nextActionTimes.slice(0, 5).map((date) => date.toISOString()));
  });

  // Temporal resolves wall-clock times with Go's time.Date, whose choice around daylight-saving changes depends
  // on the zone: these cases pin the preview to what the real server computes.
  it.each([
    // 02:30 on the last Sunday of March (does not exist in Paris) and of October (exists twice).
    ['30 2 25-31 3,10 0', 'Europe/Paris'],
    ['*/20 2 25-31 10 0', 'Europe/Paris'],
    // 01:00-02:00 on the first Sunday of November happens twice in New York.
    ['*/20 1 1-7 11 0', 'America/New_York'],
    ['30 1 1-7 11 0', 'America/New_York'],
  ])('agrees with Temporal around daylight-saving changes: %s in %s', async (cron, timeZone) => {
    const job = await createJob({ schedule: { cron, time_zone: timeZone } });
    const schedule = await scheduleOf(job);
    expect(job.preview).toEqual(schedule.info.nextActionTimes.slice(0, 5).map((date) => date.toISOString()));
  });

  it('refuses a bad cron expression with 422 and the reason, and creates nothing', async () => {
    const name = uniqueName('bad-cron');
    const response = await harness.call('POST', '/api/v1/ops/jobs', {
      token: mine.tokens.operator,
      body: { name, schedule: { cron: '0 0 L * *' }, workload: echo },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details?.map((detail) => detail.path)).toEqual(['json.schedule.cron']);
    expect(body.error.details?.[0]?.message).toMatch(/no L, W, # or \?/);
    expect(await jobNames(mine)).not.toContain(name);
  });

  it.each([
    [{ schedule: { cron: '0 0 * * *', time_zone: 'Mars/Olympus' } }, 'json.schedule.time_zone'],
    [{ schedule: { cron: '0 0 * * * *' } }, 'json.schedule.cron'],
    [{ workload: { type: 'ftp', command: ['x'] } }, 'json.workload.type'],
    [{ workload: { type: 'local', command: [] } }, 'json.workload.command'],
    [{ policy: { overlap: 'terminate-other' } }, 'json.policy.overlap'],
    [{ policy: { catchup_window_ms: 10 } }, 'json.policy.catchup_window_ms'],
    [{ name: 'Not A Slug' }, 'json.name'],
  ])('refuses %j with 422 at %s', async (override, path) => {
    const name = uniqueName('invalid');
    const response = await harness.call('POST', '/api/v1/ops/jobs', {
      token: mine.tokens.operator,
      body: { name, schedule: { cron: farFuture }, workload: echo, ...override },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.details?.map((detail) => detail.path)).toContain(path);
    expect(await jobNames(mine)).not.toContain(name);
  });

  it('answers 409 for a name the workspace uses already; another workspace may use it', async () => {
    const job = await createJob({});
    const again = await harness.call('POST', '/api/v1/ops/jobs', {
      token: mine.tokens.operator,
      body: { name: job.name, schedule: { cron: farFuture }, workload: echo },
    });
    expect(again.status).toBe(409);
    await createJob({ name: job.name }, theirs.tokens.operator);
  });

  it('keeps no row when Temporal cannot create the Schedule', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    await connection.close();
    const unreachable = createApp({
      db: harness.db,
      temporal: new Client({ connection }),
      logger: testLogger,
      taskQueue: harness.taskQueue,
      temporalUiUrl: 'http://localhost:8233',
      targets: createTargetDeps({ startSupervisor: false, watchKubernetes: false }),
    });
    const name = uniqueName('orphan');
    const response = await unreachable.request('/api/v1/ops/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${mine.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, schedule: { cron: farFuture }, workload: echo }),
    });
    expect(response.status).toBe(500);
    const rows = await harness.db.select().from(opsJobs).where(and(eq(opsJobs.workspaceId, mine.id), eq(opsJobs.name, name)));
    expect(rows).toEqual([]);
  });

  it('audits the creation with the job id', async () => {
    const job = await createJob({});
    const rows = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, mine.id), eq(auditLog.target, `ops-job/${job.id}`)));
    expect(rows.map((row) => [row.action, row.outcome])).toEqual([['ops_job.create', 'success']]);
  });
});

describe('changing a job', () => {
  it('moves next_run when the schedule changes, and updates the Schedule', async () => {
    const job = await createJob({ schedule: { cron: farFuture } });
    const response = await harness.call('PATCH', `/api/v1/ops/jobs/${job.id}`, {
      token: mine.tokens.operator,
      body: { schedule: { cron: '0 12 * * *' }, policy: { overlap: 'allow-all', retry: { maximum_attempts: 3 } } },
    });
    expect(response.status).toBe(200);
    const changed = (await response.json()) as JobBody;
    expect(changed.next_run).not.toBe(job.next_run);
    expect(Date.parse(changed.next_run ?? '') - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(new Date(changed.next_run ?? '').getUTCHours()).toBe(12);
    expect(changed.next_run).toBe(changed.preview[0]);
    expect(changed.policy.overlap).toBe('allow-all');
    expect(changed.policy.retry).toMatchObject({ maximum_attempts: 3, initial_interval_ms: 1000 });
    const schedule = await scheduleOf(changed);
    expect(schedule.policies.overlap).toBe('ALLOW_ALL');
    expect(schedule.info.nextActionTimes[0]?.toISOString()).toBe(changed.next_run);
  });

  it('refuses a bad change with 422 and changes nothing', async () => {
    const job = await createJob({});
    const response = await harness.call('PATCH', `/api/v1/ops/jobs/${job.id}`, {
      token: mine.tokens.operator,
      body: { schedule: { cron: '0 25 * * *' }, paused: true },
    });
    expect(response.status).toBe(422);
    const after = (await (await harness.call('GET', `/api/v1/ops/jobs/${job.id}`, { token: mine.tokens.viewer })).json()) as JobBody;
    expect(after.schedule.cron).toBe(farFuture);
    expect(after.paused).toBe(false);
    expect((await scheduleOf(job)).state.paused).toBe(false);
  });

  it('pauses and unpauses the Schedule', async () => {
    const job = await createJob({});
    const paused = (await (
      await harness.call('POST', `/api/v1/ops/jobs/${job.id}/pause`, { token: mine.tokens.operator })
    ).json()) as JobBody;
    expect(paused).toMatchObject({ status: 'paused', paused: true, next_run: null });
    expect((await scheduleOf(job)).state.paused).toBe(true);
    const resumed = (await (
      await harness.call('POST', `/api/v1/ops/jobs/${job.id}/unpause`, { token: mine.tokens.operator })
    ).json()) as JobBody;
    expect(resumed).toMatchObject({ status: 'scheduled', paused: false });
    expect(resumed.next_run).not.toBeNull();
    expect((await scheduleOf(job)).state.paused).toBe(false);

    const patched = await harness.call('PATCH', `/api/v1/ops/jobs/${job.id}`, { token: mine.tokens.operator, body: { paused: true } });
    expect(((await patched.json()) as JobBody).status).toBe('paused');
    expect((await scheduleOf(job)).state.paused).toBe(true);
  });

  it('deletes the row and the Schedule together', async () => {
    const job = await createJob({});
    expect((await harness.call('DELETE', `/api/v1/ops/jobs/${job.id}`, { token: mine.tokens.operator })).status).toBe(204);
    expect((await harness.call('GET', `/api/v1/ops/jobs/${job.id}`, { token: mine.tokens.viewer })).status).toBe(404);
    await expect(scheduleOf(job)).rejects.toThrow(/not found/i);
  });
});

describe('roles and workspaces', () => {
  it('lets a viewer read but not act', async () => {
    const job = await createJob({});
    expect((await harness.call('GET', `/api/v1/ops/jobs/${job.id}`, { token: mine.tokens.viewer })).status).toBe(200);
    expect((await harness.call('GET', `/api/v1/ops/jobs/${job.id}/runs`, { token: mine.tokens.viewer })).status).toBe(200);
    const attempts: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/ops/jobs', { name: uniqueName('viewer'), schedule: { cron: farFuture }, workload: echo }],
      ['PATCH', `/api/v1/ops/jobs/${job.id}`, { paused: true }],
      ['POST', `/api/v1/ops/jobs/${job.id}/trigger`, { confirm: true }],
      ['POST', `/api/v1/ops/jobs/${job.id}/pause`, undefined],
      ['POST', `/api/v1/ops/jobs/${job.id}/backfill`, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }],
      ['DELETE', `/api/v1/ops/jobs/${job.id}`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const response = await harness.call(method, path, { token: mine.tokens.viewer, body });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    expect((await scheduleOf(job)).state.paused).toBe(false);
  });

  it("answers 404 for another workspace's job, whatever the action", async () => {
    const job = await createJob({});
    const requests: Array<[string, string, unknown]> = [
      ['GET', `/api/v1/ops/jobs/${job.id}`, undefined],
      ['PATCH', `/api/v1/ops/jobs/${job.id}`, { paused: true }],
      ['POST', `/api/v1/ops/jobs/${job.id}/trigger`, { confirm: true }],
      ['POST', `/api/v1/ops/jobs/${job.id}/pause`, undefined],
      ['GET', `/api/v1/ops/jobs/${job.id}/runs`, undefined],
      ['DELETE', `/api/v1/ops/jobs/${job.id}`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const response = await harness.call(method, path, { token: theirs.tokens.operator, body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect(await jobNames(theirs)).not.toContain(job.name);
    expect((await scheduleOf(job)).state.paused).toBe(false);
  });

  it('lists the operations job routes in the OpenAPI document', async () => {
    const doc = (await (await harness.call('GET', '/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/ops/jobs', '/ops/jobs/{id}/trigger', '/ops/jobs/{id}/runs/{run_id}/logs']),
    );
  });
});

// needs: Postgres, Temporal dev server
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { auditLog, rateWindows, services } from '../../src/db/schema/index.ts';
import { apiWindowKey, windowAt } from '../../src/quotas/windows.ts';
import { harmlessJob } from '../support/authorization-fixtures.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser } from '../support/people.ts';

// Quotas through the API: the API-call windows (429 with the IETF headers, warnings at 80% and 90%, counters in
// Postgres shared by two API processes), the counts checked on create, and concurrent users at sign-in.

let harness: Harness;
let platform: TestWorkspace;

beforeAll(async () => {
  // No worker: a release stays pending, so it keeps counting as a concurrent release.
  harness = await startHarness({ worker: false });
  platform = await createTestWorkspace(harness.db, 'quota-platform');
});
afterAll(() => harness?.close());

async function errorOf(response: Response, status: number) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
}

/** A fresh workspace with quotas set through PUT /workspaces/{id}/quotas by a platform admin. */
async function workspaceWithQuotas(quotas: Record<string, number>): Promise<TestWorkspace> {
  const workspace = await createTestWorkspace(harness.db, 'quota');
  const put = await harness.call('PUT', `/api/v1/workspaces/${workspace.id}/quotas`, { token: workspace.platformAdmin, body: quotas });
  expect(put.status, await put.clone().text()).toBe(200);
  return workspace;
}

/** Puts a workspace's current hour window at `count` calls, as if it had made them. */
async function seedHour(workspaceId: string, count: number): Promise<void> {
  const start = windowAt(new Date(), 3600).start;
  await harness.db
    .insert(rateWindows)
    .values({ key: apiWindowKey('hour', workspaceId), windowStart: start, count, warnedPercent: 0 })
    .onConflictDoUpdate({ target: [rateWindows.key, rateWindows.windowStart], set: { count } });
}

/** The hour window would reset under a test that needs one window: wait for the next hour when close to its end. */
async function awayFromHourEnd(): Promise<void> {
  const left = windowAt(new Date(), 3600).end.getTime() - Date.now();
  if (left < 15_000) await sleep(left + 500);
}

describe('PUT and GET /workspaces/{id}/quotas', () => {
  it('lets a platform admin set quotas (422 below a minimum, naming the field), shows them with usage to members', async () => {
    const workspace = await createTestWorkspace(harness.db, 'quota-put');
    const put = await harness.call('PUT', `/api/v1/workspaces/${workspace.id}/quotas`, { token: workspace.platformAdmin, body: { services: 3, api_calls_per_hour: 500 } });
    expect(put.status).toBe(200);
    const body = (await put.json()) as { quotas: Record<string, number>; overrides: Record<string, number>; usage: Record<string, number> };
    expect(body.overrides).toEqual({ services: 3, api_calls_per_hour: 500 });
    expect(body.quotas).toMatchObject({ services: 3, api_calls_per_hour: 500, api_calls_per_day: 500_000 });

    const low = await errorOf(await harness.call('PUT', `/api/v1/workspaces/${workspace.id}/quotas`, { token: workspace.platformAdmin, body: { api_calls_per_hour: 5 } }), 422);
    expect(JSON.stringify(low.details)).toContain('api_calls_per_hour');
    // A workspace admin may read them but not raise them.
    await errorOf(await harness.call('PUT', `/api/v1/workspaces/${workspace.id}/quotas`, { token: workspace.tokens.admin, body: { services: 1000 } }), 403);
    const read = await harness.call('GET', `/api/v1/workspaces/${workspace.id}/quotas`, { token: workspace.tokens.viewer });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { quotas: Record<string, number> }).quotas.services).toBe(3);

    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'workspace.quotas.update'), eq(auditLog.target, `workspace/${workspace.id}`)));
    expect(audit?.details).toMatchObject({ before: { services: 200 }, after: { services: 3 } });
  });
});

describe('API calls per hour', () => {
  it('answers the RateLimit headers, warns at 80% and 90% once each, and refuses at the limit with 429 and Retry-After', async () => {
    await awayFromHourEnd();
    const workspace = await workspaceWithQuotas({ api_calls_per_hour: 100 });
    const read = () => harness.call('GET', '/api/v1/services', { token: workspace.tokens.viewer });

    const first = await read();
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"hour";q=100;w=3600, "day";q=500000;w=86400');
    expect(first.headers.get('ratelimit')).toMatch(/^"hour";r=\d+;t=\d+, "day";r=\d+;t=\d+$/);
    expect(first.headers.get('cutover-quota-warning')).toBeNull();

    await seedHour(workspace.id, 79);
    const at80 = await read();
    expect(at80.headers.get('cutover-quota-warning')).toBe('api_calls_per_hour=80%');
    expect(at80.headers.get('ratelimit')).toMatch(/^"hour";r=20;/);
    await read();
    await seedHour(workspace.id, 89);
    expect((await read()).headers.get('cutover-quota-warning')).toBe('api_calls_per_hour=90%');
    await read();
    const warnings = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'quota.warning'), eq(auditLog.workspaceId, workspace.id)));
    expect(warnings.map((row) => (row.details as { percent: number }).percent).sort()).toEqual([80, 90]);

    await seedHour(workspace.id, 99);
    expect((await read()).status).toBe(200);
    const refused = await read();
    const error = await errorOf(refused, 429);
    expect(error.code).toBe('quota_exceeded');
    expect(error.details).toMatchObject({ quota: 'api_calls_per_hour', limit: 100, used: 100, remaining: 0 });
    const resetAt = new Date(error.details!.reset_at as string).getTime();
    expect(resetAt).toBe(windowAt(new Date(), 3600).end.getTime());
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers.get('ratelimit')).toMatch(/^"hour";r=0;/);
    // Refused calls are not counted, and a mutation is refused just the same.
    await read();
    const [row] = await harness.db.select().from(rateWindows).where(eq(rateWindows.key, apiWindowKey('hour', workspace.id)));
    expect(row?.count).toBe(100);
    expect((await errorOf(await harness.call('POST', '/api/v1/ops/jobs', { token: workspace.tokens.operator, body: harmlessJob('refused') }), 429)).details).toMatchObject({
      quota: 'api_calls_per_hour',
    });
    // Refused calls write no audit rows (a client at its limit could otherwise fill the log at full speed).
    const refusedRows = await harness.db.select().from(auditLog).where(and(eq(auditLog.workspaceId, workspace.id), eq(auditLog.statusCode, 429)));
    expect(refusedRows).toEqual([]);
    // A platform admin is never refused, so the quota can be raised while it is exhausted.
    const raised = await harness.call('PUT', `/api/v1/workspaces/${workspace.id}/quotas`, { token: workspace.platformAdmin, body: { api_calls_per_hour: 200 } });
    expect(raised.status, await raised.clone().text()).toBe(200);
    expect((await read()).status).toBe(200);
    // Other workspaces are not affected.
    expect((await harness.call('GET', '/api/v1/services', { token: platform.tokens.viewer })).status).toBe(200);
  });

  it('counts in Postgres for every API process: two processes at once admit exactly the quota', async () => {
    await awayFromHourEnd();
    const workspace = await workspaceWithQuotas({ api_calls_per_hour: 100 });
    await seedHour(workspace.id, 40);
    const processes = await Promise.all([startApiProcess(harness.taskQueue), startApiProcess(harness.taskQueue)]);
    try {
      // 40 already made; 40 requests to each process, 10 at a time: 60 fit, 20 are refused.
      const hammer = async (port: number) => {
        const statuses: number[] = [];
        for (let batch = 0; batch < 4; batch++) {
          const answers = await Promise.all(
            Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${port}/api/v1/services`, { headers: { authorization: `Bearer ${workspace.tokens.viewer}` } })),
          );
          for (const answer of answers) {
            statuses.push(answer.status);
            await answer.body?.cancel();
          }
        }
        return statuses;
      };
      const statuses = (await Promise.all(processes.map((api) => hammer(api.port)))).flat();
      expect(statuses.filter((status) => status === 200)).toHaveLength(60);
      expect(statuses.filter((status) => status === 429)).toHaveLength(20);
    } finally {
      for (const api of processes) api.child.kill('SIGTERM');
    }
    const [row] = await harness.db.select().from(rateWindows).where(eq(rateWindows.key, apiWindowKey('hour', workspace.id)));
    expect(row?.count).toBe(100);
  }, 60_000);
});

describe('counts checked on create', () => {
  it('refuses a service past the services quota (the same name in another environment is not one more)', async () => {
    const workspace = await workspaceWithQuotas({ services: 1 });
    const register = (name: string, environment: string) =>
      harness.call('POST', '/api/v1/services', {
        token: workspace.tokens.operator,
        body: { name, environment, definition: { namespace: workspace.namespace, image: 'app:1', ports: [{ port: 80 }] } },
      });
    const first = await register('quota-a', 'staging');
    expect(first.status, await first.clone().text()).toBe(201);
    expect((await register('quota-a', 'production')).status).toBe(201);
    const error = await errorOf(await register('quota-b', 'staging'), 429);
    expect(error).toMatchObject({ code: 'quota_exceeded', details: { quota: 'services', limit: 1, used: 1, remaining: 0, reset_at: null } });
    expect(error.message).toMatch(/delete one, or ask a platform admin to raise it/);
    expect(await harness.db.$count(services, eq(services.workspaceId, workspace.id))).toBe(2);
  });

  it('refuses an ops job past ops_jobs and a release past concurrent_releases', async () => {
    const workspace = await workspaceWithQuotas({ ops_jobs: 0, concurrent_releases: 1 });
    const job = await errorOf(await harness.call('POST', '/api/v1/ops/jobs', { token: workspace.tokens.operator, body: harmlessJob('over') }), 429);
    expect(job.details).toMatchObject({ quota: 'ops_jobs', limit: 0, used: 0 });

    const release = (service: string) =>
      harness.call('POST', '/api/v1/deployments', { token: workspace.tokens.operator, body: { service, version: '1.0.0', environment: 'staging', strategy: 'dry-run' } });
    // Without a worker the first dry run stays pending: one release in flight.
    const first = await release('quota-dry-a');
    expect(first.status, await first.clone().text()).toBe(201);
    const second = await errorOf(await release('quota-dry-b'), 429);
    expect(second.details).toMatchObject({ quota: 'concurrent_releases', limit: 1, used: 1 });
    expect(second.message).toMatch(/wait for a release to end/);
  });
});

describe('concurrent users', () => {
  it('refuses sign-in of a member past concurrent_users, but not of one signed in already or of a platform admin', async () => {
    const workspace = await workspaceWithQuotas({ concurrent_users: 1 });
    // createTestUser opens a live session: the one seat is taken.
    const seated = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', prefix: 'seated' });
    const waiting = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'viewer', prefix: 'waiting' });
    await harness.db.execute(sql`update sessions set revoked_at = now() where user_id = ${waiting.user.id}`);
    const login = (email: string, password: string) => harness.call('POST', '/api/v1/auth/login', { body: { email, password } });

    const refused = await errorOf(await login(waiting.email, waiting.password), 429);
    expect(refused).toMatchObject({ code: 'quota_exceeded', details: { quota: 'concurrent_users', limit: 1, used: 1, workspace: workspace.name } });
    expect((await login(seated.email, seated.password)).status).toBe(200);
    const admin = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'viewer', platformAdmin: true, prefix: 'seat-admin' });
    await harness.db.execute(sql`update sessions set revoked_at = now() where user_id = ${admin.user.id}`);
    expect((await login(admin.email, admin.password)).status).toBe(200);
    // The admin took a seat too (over the quota, as admins may): only when both sign out is there room again.
    await harness.db.execute(sql`update sessions set revoked_at = now() where user_id = ${seated.user.id}`);
    await errorOf(await login(waiting.email, waiting.password), 429);
    await harness.db.execute(sql`update sessions set revoked_at = now() where user_id = ${admin.user.id}`);
    expect((await login(waiting.email, waiting.password)).status).toBe(200);
  });
});

const apiScript = fileURLToPath(new URL('../support/api-process.ts', import.meta.url));

/** A real API process of its own on this run's database and Temporal. */
async function startApiProcess(taskQueue: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', apiScript], {
    env: { ...process.env, TEST_DATABASE: inject('databaseUrl'), TEST_TEMPORAL_ADDRESS: inject('temporalAddress'), TEST_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /api listening on (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`api process exited with ${code}`)));
  });
  return { child, port };
}

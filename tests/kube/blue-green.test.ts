// needs: Postgres, Temporal dev server, the test cluster
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.ts';
import { eventually } from '../support/harness.ts';
import { startFixtureApp } from '../support/fixture-app.ts';
import { fastTimings as fast, useReleaseFixture } from '../support/release-fixture.ts';

const { ctx, registerService, release, get, until, selectedColor, replicas } = useReleaseFixture('bg');

describe('blue-green releases on Kubernetes', () => {
  it('deploys the first release to blue, the next to green, switches traffic and retires the old colour', async () => {
    ctx.preview.respond(200, { status: 'ok' });
    ctx.stable.respond(200, { status: 'ok' });
    await registerService('web');

    const first = await until((await release('web', '1.0.0')).id);
    expect(first.status).toBe('succeeded');
    expect(await selectedColor('web')).toBe('blue');
    expect(await selectedColor('web-preview')).toBe('blue');
    expect(first.steps.map((step) => `${step.step}:${step.status}`)).toEqual([
      'resolve-active-color:succeeded',
      'deploy-standby:succeeded',
      'smoke-tests:succeeded',
      'switch-traffic:succeeded',
      'monitor:succeeded',
    ]);

    const second = await until((await release('web', '2.0.0')).id);
    expect(second.status).toBe('succeeded');
    expect(await selectedColor('web')).toBe('green');
    const green = await ctx.kube.apps.readNamespacedDeployment({ name: 'web-green', namespace: ctx.namespace });
    expect(green.spec?.template.spec?.containers[0]?.image).toBe('registry.example/web:2.0.0');
    expect(green.metadata?.annotations?.['cutover.dev/version']).toBe('2.0.0');
    // The retention period (1 s here) ends with blue scaled to zero.
    await eventually(async () => ((await replicas('web-blue')) === 0 ? true : undefined), 30_000);
    expect(await replicas('web-green')).toBe(2);
  });

  it('does not switch when a smoke check fails, and scales the standby down', async () => {
    await registerService('smoky');
    ctx.preview.respond(200, { status: 'ok' });
    expect((await until((await release('smoky', '1.0.0')).id, ['succeeded', 'failed'])).status).toBe('succeeded');

    ctx.preview.respond(200, { status: 'degraded' });
    const failed = await until((await release('smoky', '2.0.0')).id, ['succeeded', 'failed', 'rolled_back']);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/smoke checks failed: health/);
    const smoke = failed.steps.find((step) => step.step === 'smoke-tests');
    expect(smoke?.details?.checks).toEqual([expect.objectContaining({ name: 'health', passed: false })]);
    expect(await selectedColor('smoky')).toBe('blue');
    expect(await replicas('smoky-green')).toBe(0);
    ctx.preview.respond(200, { status: 'ok' });
  });

  it('rolls back on its own when the stable endpoint fails in the monitor window', async () => {
    await registerService('shaky');
    ctx.stable.respond(200, { status: 'ok' });
    expect((await until((await release('shaky', '1.0.0')).id, ['succeeded', 'failed'])).status).toBe('succeeded');

    ctx.stable.respond(500);
    const rolledBack = await until((await release('shaky', '2.0.0', { timings: { ...fast, monitorDurationMs: 20_000 } })).id, [
      'succeeded',
      'failed',
      'rolled_back',
    ]);
    ctx.stable.respond(200, { status: 'ok' });
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.reason).toMatch(/3 consecutive failed health checks/);
    expect(await selectedColor('shaky')).toBe('blue');
  });

  it('waits for approval, refuses a wrong confirmation, and switches once approved (audited)', async () => {
    await registerService('gated');
    const started = await release('gated', '1.0.0', { requireApproval: true });
    await until(started.id, ['awaiting_approval']);

    const wrong = await ctx.harness.call('POST', `/api/v1/deployments/${started.id}/approve`, {
      token: ctx.workspace.tokens.operator,
      body: { approver: 'ada', confirm: 'not-the-name' },
    });
    expect(wrong.status).toBe(422);
    expect((await get(started.id)).status).toBe('awaiting_approval');

    // One release per service at a time.
    const concurrent = await ctx.harness.call('POST', '/api/v1/deployments', {
      token: ctx.workspace.tokens.operator,
      body: { service: 'gated', environment: 'staging', version: '1.0.1', strategy: 'blue-green' },
    });
    expect(concurrent.status).toBe(409);
    expect(((await concurrent.json()) as { error: { details: { deploymentId: string } } }).error.details.deploymentId).toBe(started.id);

    const approved = await ctx.harness.call('POST', `/api/v1/deployments/${started.id}/approve`, {
      token: ctx.workspace.tokens.operator,
      body: { approver: 'ada', confirm: 'gated', comment: 'looks good' },
    });
    expect(approved.status).toBe(200);
    const done = await until(started.id, ['succeeded', 'failed', 'aborted']);
    expect(done.status).toBe('succeeded');
    expect(done.steps.find((step) => step.step === 'approval')?.status).toBe('succeeded');
    const audit = await ctx.harness.db.select().from(auditLog).where(eq(auditLog.workspaceId, ctx.workspace.id));
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'deployment.approve', outcome: 'success', details: { approver: 'ada', comment: 'looks good' } }),
        expect.objectContaining({ action: 'deployment.approve', outcome: 'failure', statusCode: 422 }),
      ]),
    );
  });

  it('aborts on rejection and on approval timeout, dropping the standby', async () => {
    await registerService('rejected');
    const first = await release('rejected', '1.0.0', { requireApproval: true });
    await until(first.id, ['awaiting_approval']);
    const reject = await ctx.harness.call('POST', `/api/v1/deployments/${first.id}/reject`, {
      token: ctx.workspace.tokens.operator,
      body: { approver: 'grace', confirm: 'rejected' },
    });
    expect(reject.status).toBe(200);
    const rejected = await until(first.id, ['aborted', 'succeeded']);
    expect(rejected.status).toBe('aborted');
    expect(rejected.reason).toBe('rejected by grace');
    expect(await replicas('rejected-blue')).toBe(0);

    const second = await release('rejected', '1.0.1', { requireApproval: true, timings: { ...fast, approvalTimeoutMs: 1_000 } });
    const timedOut = await until(second.id, ['aborted', 'succeeded']);
    expect(timedOut.reason).toBe('approval timed out');
  });

  it('aborts while waiting for approval on request', async () => {
    await registerService('aborted');
    const started = await release('aborted', '1.0.0', { requireApproval: true });
    await until(started.id, ['awaiting_approval']);
    const abort = await ctx.harness.call('POST', `/api/v1/deployments/${started.id}/abort`, {
      token: ctx.workspace.tokens.operator,
      body: { reason: 'wrong build' },
    });
    expect(abort.status).toBe(202);
    const done = await until(started.id, ['aborted', 'succeeded']);
    expect(done.reason).toMatch(/aborted by .*: wrong build/);
    const late = await ctx.harness.call('POST', `/api/v1/deployments/${started.id}/promote`, { token: ctx.workspace.tokens.operator });
    expect(late.status).toBe(409);
  });
});

describe('a first release that fails its monitor', () => {
  it('is recorded failed but keeps serving: there is no older colour to go back to', async () => {
    await registerService('fresh');
    ctx.stable.respond(500);
    try {
      const done = await until((await release('fresh', '1.0.0', { timings: { ...fast, monitorDurationMs: 20_000 } })).id);
      expect(done.status).toBe('failed');
      expect(done.reason).toMatch(/first release, no previous colour to roll back to/);
    } finally {
      ctx.stable.respond(200, { status: 'ok' });
    }
    expect(await selectedColor('fresh')).toBe('blue');
    expect(await replicas('fresh-blue')).toBe(2);
  });
});

describe('abort after the switch', () => {
  it('rolls traffic back to the old colour when aborted in the monitor window', async () => {
    await registerService('regret');
    expect((await until((await release('regret', '1.0.0')).id)).status).toBe('succeeded');
    const second = await release('regret', '2.0.0', { timings: { ...fast, monitorDurationMs: 30_000 } });
    await eventually(async () => ((await get(second.id)).steps.some((step) => step.step === 'monitor') ? true : undefined), 30_000);
    expect(await selectedColor('regret')).toBe('green');
    const abort = await ctx.harness.call('POST', `/api/v1/deployments/${second.id}/abort`, {
      token: ctx.workspace.tokens.operator,
      body: { reason: 'error budget' },
    });
    expect(abort.status).toBe(202);
    const done = await until(second.id);
    expect(done.status).toBe('rolled_back');
    expect(done.reason).toMatch(/aborted by .*: error budget/);
    expect(await selectedColor('regret')).toBe('blue');
  });
});

describe('webhook notifications', () => {
  it('tells a Slack-compatible webhook when a release starts, switches and succeeds', async () => {
    const webhook = await startFixtureApp({ status: 200, body: { ok: true } });
    try {
      await registerService('notified', 'staging', { notifications: { webhookUrl: `${webhook.url}/hooks/release` } });
      const done = await until((await release('notified', '1.0.0')).id);
      expect(done.status).toBe('succeeded');
      const messages = await eventually(() => Promise.resolve(webhook.bodies.length >= 3 ? webhook.bodies : undefined));
      const events = messages.map((body) => JSON.parse(body) as { event: string; text: string; deploymentId: string });
      expect(events.map((message) => message.event)).toEqual(['started', 'switched', 'succeeded']);
      expect(events[2]).toMatchObject({ deploymentId: done.id, text: '*notified* 1.0.0 in staging: succeeded' });
    } finally {
      await webhook.close();
    }
  });

  it('does not let a dead webhook fail or hold up a release', async () => {
    const dead = await startFixtureApp();
    const deadUrl = dead.url;
    await dead.close();
    await registerService('unheard', 'staging', { notifications: { webhookUrl: deadUrl } });
    const done = await until((await release('unheard', '1.0.0')).id);
    expect(done.status).toBe('succeeded');
  });
});

describe('pre-switch hooks', () => {
  it('backs up the database and runs the migration Job with the new image before traffic moves', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'cutover-hook-'));
    process.env.CUTOVER_TEST_HOOK_DB = inject('databaseUrl');
    try {
      await registerService('hooked', 'staging', {
        hooks: {
          backup: { database: 'hook-db', directory, keep: 2, enabled: true },
          migration: { command: ['./migrate', 'up'] },
        },
      });
      const done = await until((await release('hooked', '4.2.0')).id);
      expect(done.status).toBe('succeeded');
      expect(done.steps.map((step) => step.step).slice(0, 4)).toEqual(['resolve-active-color', 'hook-backup', 'hook-migration', 'deploy-standby']);
      expect(readdirSync(directory).filter((file) => file.endsWith('.dump'))).toHaveLength(1);
      const jobs = await ctx.kube.batch.listNamespacedJob({ namespace: ctx.namespace });
      const job = jobs.items.find((item) => item.metadata?.name?.startsWith('ops-hooked-migration-'));
      expect(job?.spec?.template.spec?.containers[0]).toMatchObject({ image: 'registry.example/hooked:4.2.0', command: ['./migrate', 'up'] });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('stops the release before any traffic moves when the backup cannot run', async () => {
    await registerService('unbacked', 'staging', {
      hooks: { backup: { database: 'missing-db', directory: '/tmp/cutover-never', enabled: true } },
    });
    const done = await until((await release('unbacked', '1.0.0')).id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(/backup hook failed: the worker has no CUTOVER_TEST_MISSING_DB/);
    expect(done.steps.map((step) => step.step)).not.toContain('switch-traffic');
  });

  it('leaves the backup out outside production unless it is turned on', async () => {
    await registerService('unforced', 'staging', {
      hooks: { backup: { database: 'missing-db', directory: '/tmp/cutover-never' } },
    });
    const done = await until((await release('unforced', '1.0.0')).id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((step) => step.step)).not.toContain('hook-backup');
  });
});

describe('the Prometheus check', () => {
  it('rolls back when the error rate goes past the threshold', async () => {
    const sample = (value: string) => ({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, value] }] } });
    const prometheus = await startFixtureApp({ status: 200, body: sample('0.001') });
    try {
      await registerService('measured', 'staging', {
        prometheus: { url: prometheus.url, query: 'sum(rate(http_errors_total[1m]))', threshold: 0.05 },
      });
      expect((await until((await release('measured', '1.0.0')).id)).status).toBe('succeeded');
      expect(prometheus.requests).toBeGreaterThan(0);

      prometheus.respond(200, sample('0.3'));
      const second = await until((await release('measured', '2.0.0', { timings: { ...fast, monitorDurationMs: 20_000 } })).id);
      expect(second.status).toBe('rolled_back');
      expect(second.reason).toMatch(/metric 0.3 is above the threshold 0.05/);
      expect(await selectedColor('measured')).toBe('blue');
    } finally {
      await prometheus.close();
    }
  });
});

// needs: Postgres, Temporal dev server, the local target (real processes)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureApp, type FixtureApp } from '../support/fixture-app.ts';
import { eventually } from '../support/harness.ts';
import { useLocalReleaseFixture } from '../support/local-release.ts';

const { ctx, register, release, canary, control, until, untilStep, serving } = useLocalReleaseFixture('local-canary');
let metrics: FixtureApp;

beforeAll(async () => {
  metrics = await startFixtureApp({ status: 200, body: { errorRate: 0.01 } });
});
afterAll(async () => {
  await metrics?.close();
});

async function greenShare(port: number, requests = 2_000): Promise<number> {
  let green = 0;
  for (let batch = 0; batch < requests / 50; batch += 1) {
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      if (answer.headers.get('x-cutover-color') === 'green') green += 1;
      await answer.arrayBuffer();
    }
  }
  return (green / requests) * 100;
}

const errorRate = (successCondition = 'result < 0.05') => ({
  analysis: {
    metrics: [
      { name: 'error-rate', provider: { type: 'web', url: `${metrics.url}/metrics`, jsonPath: 'errorRate' }, count: 2, intervalMs: 200, successCondition },
    ],
  },
});

describe('canary releases on the local proxy', () => {
  it('moves traffic step by step, each split as set within 3 points over 2,000 requests, until promoted to 100 %', async () => {
    const ports = await register('steps');
    expect((await until((await release('steps', '1.0.0')).id)).status).toBe('succeeded');
    const run = await canary('steps', '2.0.0', [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }]);

    await untilStep(run.id, 'step-2-pause');
    expect(Math.abs((await greenShare(ports.port)) - 20)).toBeLessThanOrEqual(3);
    expect(await control(run.id, 'promote')).toBe(202);
    await untilStep(run.id, 'step-4-pause');
    expect(Math.abs((await greenShare(ports.port)) - 60)).toBeLessThanOrEqual(3);
    expect(await control(run.id, 'promote')).toBe(202);

    const done = await until(run.id);
    expect(done.status).toBe('succeeded');
    const weightSteps = done.steps.filter((step) => step.step.includes('set-weight') && step.status === 'succeeded');
    expect(weightSteps.map((step) => step.details?.weights)).toEqual([
      { blue: 80, green: 20 },
      { blue: 40, green: 60 },
      { blue: 0, green: 100 },
    ]);
    expect(await greenShare(ports.port, 200)).toBe(100);
    expect(await serving(ports.port)).toMatchObject({ version: '2.0.0' });
  });

  it('goes on after a successful analysis, and sends everything back to stable at once when one fails', async () => {
    const ports = await register('judged');
    expect((await until((await release('judged', '1.0.0')).id)).status).toBe('succeeded');
    const good = await until((await canary('judged', '2.0.0', [{ setWeight: 25 }, errorRate()])).id);
    expect(good.status).toBe('succeeded');
    const analysis = good.steps.find((step) => step.step === 'step-2-analysis' && step.status === 'succeeded');
    expect(analysis?.details).toMatchObject({ verdict: 'successful', metrics: { 'error-rate': { verdict: 'successful' } } });

    // 1.0.0 comes back as a canary on blue, and its error rate is too high.
    metrics.respond(200, { errorRate: 0.5 });
    const bad = await until((await canary('judged', '1.0.0', [{ setWeight: 50 }, errorRate(), { setWeight: 100 }])).id);
    expect(bad.status).toBe('rolled_back');
    expect(bad.reason).toBe('analysis failed: error-rate');
    expect(bad.steps.find((step) => step.step === 'restore-stable')?.details?.weights).toEqual({ blue: 0, green: 100 });
    expect(await greenShare(ports.port, 200)).toBe(100);
  });

  it('pauses instead of failing when the analysis has no data, and goes on when promoted', async () => {
    await register('nodata');
    expect((await until((await release('nodata', '1.0.0')).id)).status).toBe('succeeded');
    metrics.respond(200, { somethingElse: 1 });
    const run = await canary('nodata', '2.0.0', [{ setWeight: 10 }, errorRate(), { setWeight: 100 }]);
    const paused = await until(run.id, ['paused']);
    expect(paused.reason).toMatch(/analysis inconclusive: error-rate/);
    const analysis = paused.steps.find((step) => step.step === 'step-2-analysis' && step.status === 'succeeded');
    expect(analysis?.details).toMatchObject({ verdict: 'inconclusive' });
    expect(await control(run.id, 'promote')).toBe(202);
    expect((await until(run.id)).status).toBe('succeeded');
  });

  it('aborts mid-step with all traffic back on stable at once, scales the canary down, and retries on request', async () => {
    const ports = await register('aborted');
    expect((await until((await release('aborted', '1.0.0')).id)).status).toBe('succeeded');
    const run = await canary('aborted', '2.0.0', [{ setWeight: 40 }, { pause: {} }]);
    await untilStep(run.id, 'step-2-pause');
    expect(await control(run.id, 'abort', { reason: 'looks wrong' })).toBe(202);
    const ended = await until(run.id);
    expect(ended).toMatchObject({ status: 'aborted', reason: expect.stringContaining('looks wrong') as unknown });
    expect(await greenShare(ports.port, 200)).toBe(0);
    // The canary colour is scaled down after the (short) abort delay.
    const environments = async () =>
      (await (await ctx.harness.call('GET', '/api/v1/services/aborted/environments?environment=staging', { token: ctx.workspace.tokens.viewer })).json()) as Array<{ name: string; status: string }>;
    await untilScaledDown(environments);

    const retry = await ctx.harness.call('POST', `/api/v1/deployments/${run.id}/retry`, { token: ctx.workspace.tokens.operator });
    expect(retry.status).toBe(201);
    const again = (await retry.json()) as { id: string; version: string };
    expect(again.version).toBe('2.0.0');
    await untilStep(again.id, 'step-2-pause');
    expect(await control(again.id, 'promote', { full: true })).toBe(202);
    expect((await until(again.id)).status).toBe('succeeded');
    expect(await greenShare(ports.port, 200)).toBe(100);
  });

  it('uses a named analysis template of the service with args from the step, and records a dry run without acting on it', async () => {
    const errorRateTemplate = {
      metrics: [
        { name: 'error-rate', provider: { type: 'web', url: `${metrics.url}/{{args.path}}`, jsonPath: 'errorRate' }, count: 1, successCondition: 'result < double(args.max)' },
      ],
    };
    await register('templated', { analysisTemplates: { 'error-rate': errorRateTemplate, 'error-rate-dry': { ...errorRateTemplate, dryRun: true } } });
    expect((await until((await release('templated', '1.0.0')).id)).status).toBe('succeeded');
    metrics.respond(200, { errorRate: 0.2 });
    // Too high for a real verdict (max 0.1) but only a dry run: recorded as failed, and the canary goes on.
    const dry = await until((await canary('templated', '2.0.0', [{ setWeight: 30 }, { analysis: { template: 'error-rate-dry', args: { path: 'metrics', max: '0.1' } } }])).id);
    expect(dry.status).toBe('succeeded');
    expect(dry.steps.find((step) => step.step === 'step-2-analysis' && step.status === 'succeeded')?.details).toMatchObject({ verdict: 'failed', dryRun: true });
    expect(metrics.requests).toBeGreaterThan(0);

    // The same template for real, with a higher threshold: it passes.
    const real = await until((await canary('templated', '1.0.0', [{ setWeight: 30 }, { analysis: { template: 'error-rate', args: { path: 'metrics', max: '0.5' } } }])).id);
    expect(real.status).toBe('succeeded');

    const unknown = await ctx.harness.call('POST', '/api/v1/deployments', {
      token: ctx.workspace.tokens.operator,
      body: { service: 'templated', environment: 'staging', version: '2.0.0', strategy: 'canary', options: { steps: [{ analysis: { template: 'nope' } }] } },
    });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: { details: Array<{ path: string }> } }).error.details[0]?.path).toBe('json.options.steps.0.analysis.template');
    const badCondition = await ctx.harness.call('POST', '/api/v1/deployments', {
      token: ctx.workspace.tokens.operator,
      body: { service: 'templated', environment: 'staging', version: '2.0.0', strategy: 'canary', options: { steps: [{ analysis: { metrics: [{ ...errorRateTemplate.metrics[0], successCondition: 'result <' }] } }] } },
    });
    expect(badCondition.status).toBe(422);
  });
});


async function untilScaledDown(environments: () => Promise<Array<{ name: string; status: string }>>) {
  await eventually(async () => ((await environments()).find((color) => color.name === 'green')?.status === 'scaled_down' ? true : undefined));
}
// needs: Postgres, Temporal dev server, the test cluster
import { describe, expect, it } from 'vitest';
import { useReleaseFixture, type DeploymentView } from '../support/release-fixture.ts';
import { postRelease, untilStep } from '../support/deployment-waits.ts';
import { eventually } from '../support/harness.ts';

const { ctx, registerService, release, until } = useReleaseFixture('canary');

const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;
const routeWeights = async (name: string) => {
  const route = (await ctx.kube.custom.getNamespacedCustomObject({ ...httpRoutes, namespace: ctx.namespace, name })) as {
    spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> };
  };
  return Object.fromEntries(route.spec.rules[0]?.backendRefs.map((ref) => [ref.name, ref.weight]) ?? []);
};

function startCanary(service: string, version: string, steps: unknown[]): Promise<DeploymentView> {
  return postRelease(ctx.harness, ctx.workspace.tokens.operator, {
    service,
    version,
    image: `registry.example/${service}:${version}`,
    strategy: 'canary',
    options: { steps, timings: { rolloutPollMs: 200, abortScaleDownDelayMs: 500, retentionMs: 3_600_000 } },
  });
}

const control = (id: string, action: string, body: Record<string, unknown> = {}) =>
  ctx.harness.call('POST', `/api/v1/deployments/${id}/${action}`, { token: ctx.workspace.tokens.operator, body });

const atStep = (id: string, step: string) => untilStep(ctx.harness, ctx.workspace.tokens.viewer, id, step);

describe('canary releases on Kubernetes through a Gateway API HTTPRoute', () => {
  it('moves the HTTPRoute weights with each step, and an abort sets the canary back to 0 at once', async () => {
    await registerService('cnr', 'staging', { traffic: { provider: 'gateway-api', gateway: { name: 'public' } } });
    expect((await until((await release('cnr', '1.0.0')).id)).status).toBe('succeeded');
    expect(await routeWeights('cnr')).toEqual({ 'cnr-blue': 100, 'cnr-green': 0 });

    const run = await startCanary('cnr', '2.0.0', [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]);
    await atStep(run.id, 'step-2-pause');
    expect(await routeWeights('cnr')).toEqual({ 'cnr-blue': 90, 'cnr-green': 10 });
    expect((await control(run.id, 'promote')).status).toBe(202);
    await atStep(run.id, 'step-4-pause');
    expect(await routeWeights('cnr')).toEqual({ 'cnr-blue': 50, 'cnr-green': 50 });

    expect((await control(run.id, 'abort', { reason: 'latency' })).status).toBe(202);
    expect((await until(run.id)).status).toBe('aborted');
    expect(await routeWeights('cnr')).toEqual({ 'cnr-blue': 100, 'cnr-green': 0 });
    // The canary's Deployment goes to zero after the abort delay.
    await eventually(async () => {
      const green = await ctx.kube.apps.readNamespacedDeployment({ name: 'cnr-green', namespace: ctx.namespace });
      return green.spec?.replicas === 0 ? true : undefined;
    });
  });

  it('refuses a canary with partial weights on a Service selector, and takes a promote to 100 % with full', async () => {
    await registerService('plain');
    expect((await until((await release('plain', '1.0.0')).id)).status).toBe('succeeded');
    const refused = await ctx.harness.call('POST', '/api/v1/deployments', {
      token: ctx.workspace.tokens.operator,
      body: { service: 'plain', environment: 'staging', version: '2.0.0', strategy: 'canary' },
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/gateway-api/);

    await registerService('full', 'staging', { traffic: { provider: 'gateway-api', gateway: { name: 'public' } } });
    expect((await until((await release('full', '1.0.0')).id)).status).toBe('succeeded');
    const run = await startCanary('full', '2.0.0', [{ setWeight: 5 }, { pause: {} }, { setWeight: 20 }, { pause: {} }]);
    await atStep(run.id, 'step-2-pause');
    expect((await control(run.id, 'promote', { full: true })).status).toBe(202);
    const done = await until(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.some((step) => step.step === 'step-3-set-weight-20')).toBe(false);
    expect(await routeWeights('full')).toEqual({ 'full-blue': 0, 'full-green': 100 });
  });

  it('runs the pre-switch hooks before the canary is deployed, and stops before any weight moves when one fails', async () => {
    const gateway = { traffic: { provider: 'gateway-api', gateway: { name: 'public' } } };
    await registerService('migrating', 'staging', { ...gateway, hooks: { migration: { command: ['./migrate', 'up'] } } });
    expect((await until((await release('migrating', '1.0.0')).id)).status).toBe('succeeded');
    const done = await until((await startCanary('migrating', '2.0.0', [{ setWeight: 50 }])).id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((step) => step.step).slice(0, 3)).toEqual(['resolve-active-color', 'hook-migration', 'deploy-canary']);
    const jobs = await ctx.kube.batch.listNamespacedJob({ namespace: ctx.namespace });
    const images = jobs.items.filter((job) => job.metadata?.name?.startsWith('ops-migrating-migration-')).map((job) => job.spec?.template.spec?.containers[0]?.image);
    expect(images).toContain('registry.example/migrating:2.0.0');

    await registerService('unbacked-canary', 'staging', {
      ...gateway,
      hooks: { backup: { database: 'missing-db', directory: '/tmp/cutover-never', enabled: true } },
    });
    const failed = await until((await startCanary('unbacked-canary', '1.0.0', [{ setWeight: 50 }])).id);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/backup hook failed: the worker has no CUTOVER_TEST_MISSING_DB/);
    expect(failed.steps.map((step) => step.step).filter((step) => step.startsWith('set-weight') || step === 'deploy-canary')).toEqual([]);
  });
});

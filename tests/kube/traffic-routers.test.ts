// needs: Postgres, Temporal dev server, the test cluster
import { describe, expect, it } from 'vitest';
import { useReleaseFixture } from '../support/release-fixture.ts';

const { ctx, registerService, release, until, selectedColor } = useReleaseFixture('traffic-routers');

const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;
const warm = { retentionMs: 3_600_000, monitorDurationMs: 300, rolloutPollMs: 200 };

interface HttpRoute {
  spec: { parentRefs: Array<{ name: string }>; rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> };
}

describe('traffic providers on Kubernetes', () => {
  it('runs blue-green through a Gateway API HTTPRoute and splits it by weight, read back from the cluster', async () => {
    await registerService('gw', 'staging', { traffic: { provider: 'gateway-api', gateway: { name: 'public' } } });
    expect((await until((await release('gw', '1.0.0')).id)).status).toBe('succeeded');
    expect((await until((await release('gw', '2.0.0', { timings: warm })).id)).status).toBe('succeeded');
    const route = async () =>
      (await ctx.kube.custom.getNamespacedCustomObject({ ...httpRoutes, namespace: ctx.namespace, name: 'gw' })) as HttpRoute;
    expect((await route()).spec.parentRefs.map((ref) => ref.name)).toEqual(['public']);
    expect((await route()).spec.rules[0]?.backendRefs.map((ref) => [ref.name, ref.weight])).toEqual([
      ['gw-blue', 0],
      ['gw-green', 100],
    ]);
    // One Service per colour backs the route.
    const blueService = await ctx.kube.core.readNamespacedService({ name: 'gw-blue', namespace: ctx.namespace });
    expect(blueService.spec?.selector).toEqual({ app: 'gw', 'cutover.dev/color': 'blue' });

    const split = await ctx.harness.call('POST', '/api/v1/services/gw/traffic', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging', blue: 30, green: 70 },
    });
    expect(split.status).toBe(200);
    expect(await split.json()).toEqual({ provider: 'gateway-api', capabilities: { partialWeights: true }, weights: { blue: 30, green: 70 } });
    expect((await route()).spec.rules[0]?.backendRefs.map((ref) => ref.weight)).toEqual([30, 70]);

    const read = await ctx.harness.call('GET', '/api/v1/services/gw/traffic?environment=staging', { token: ctx.workspace.tokens.viewer });
    expect(((await read.json()) as { weights: unknown }).weights).toEqual({ blue: 30, green: 70 });
    const environments = await ctx.harness.call('GET', '/api/v1/services/gw/environments?environment=staging', { token: ctx.workspace.tokens.viewer });
    expect(((await environments.json()) as Array<{ name: string; traffic_pct: number }>).map((color) => [color.name, color.traffic_pct])).toEqual([
      ['blue', 30],
      ['green', 70],
    ]);

    // The instant rollback goes through the same provider: all traffic to the colour with less of it.
    const rollback = await ctx.harness.call('POST', '/api/v1/services/gw/rollback', { token: ctx.workspace.tokens.operator, body: { environment: 'staging' } });
    expect(await rollback.json()).toEqual({ switched: true, from: 'green', to: 'blue' });
    expect((await route()).spec.rules[0]?.backendRefs.map((ref) => ref.weight)).toEqual([100, 0]);
  });

  it('refuses a split through a Service selector, and a bad split anywhere, changing nothing', async () => {
    await registerService('sel');
    expect((await until((await release('sel', '1.0.0')).id)).status).toBe('succeeded');
    expect((await until((await release('sel', '2.0.0', { timings: warm })).id)).status).toBe('succeeded');
    const post = (body: unknown) => ctx.harness.call('POST', '/api/v1/services/sel/traffic', { token: ctx.workspace.tokens.operator, body });

    const partial = await post({ environment: 'staging', blue: 30, green: 70 });
    expect(partial.status).toBe(409);
    expect(((await partial.json()) as { error: { message: string } }).error.message).toMatch(/service-selector/);
    for (const bad of [{ environment: 'staging', blue: 30, green: 60 }, { environment: 'staging', blue: 50.5, green: 49.5 }, { environment: 'staging', blue: -1, green: 101 }]) {
      expect((await post(bad)).status).toBe(422);
    }
    expect(await selectedColor('sel')).toBe('green');

    const all = await post({ environment: 'staging', blue: 100, green: 0 });
    expect(all.status).toBe(200);
    expect(await all.json()).toMatchObject({ provider: 'service-selector', weights: { blue: 100, green: 0 } });
    expect(await selectedColor('sel')).toBe('blue');
    const audit = await ctx.harness.call('GET', '/api/v1/audit', { token: ctx.workspace.tokens.admin });
    const rows = ((await audit.json()) as { items: Array<{ action: string; status_code?: number; statusCode?: number }> }).items.filter((row) => row.action === 'service.traffic');
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });
});

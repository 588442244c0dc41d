// needs: Postgres, Temporal dev server, the local target (real processes)
import { describe, expect, it } from 'vitest';
import { localServiceKey } from '../../src/targets/local/service-key.ts';
import { connectSupervisor } from '../../src/targets/local/supervisor-client.ts';
import { checkoutFlag } from '../support/flags.ts';
import { eventually } from '../support/harness.ts';
import { steadyLoad, useLocalReleaseFixture } from '../support/local-release.ts';

const { ctx, register, release, until, serving } = useLocalReleaseFixture('local-release');

interface ColorView {
  name: string;
  version: string | null;
  status: string;
  health: { pods: number; ready: number; restarts: number };
  traffic_pct: number;
}

const environments = async (service: string): Promise<ColorView[]> => {
  const response = await ctx.harness.call('GET', `/api/v1/services/${service}/environments?environment=staging`, { token: ctx.workspace.tokens.viewer });
  expect(response.status).toBe(200);
  return (await response.json()) as ColorView[];
};

describe('blue-green releases on the local target', () => {
  it('switches to a new version under steady load without losing a request, and rolls back one that starts failing', async () => {
    // The new checkout is behind a flag that the release's rollback turns off (killFlags).
    const flag = await ctx.harness.call('POST', '/api/v1/features', { token: ctx.workspace.tokens.operator, body: checkoutFlag({ rollout_pct: 60 }) });
    expect(flag.status).toBe(201);
    const flagId = ((await flag.json()) as { id: string }).id;
    const ports = await register('shop', { killFlags: ['new-checkout', 'not-a-flag'] });
    const first = await until((await release('shop', '1.0.0')).id);
    expect(first.status).toBe('succeeded');
    expect(await serving(ports.port)).toEqual({ status: 200, version: '1.0.0', color: 'blue' });

    const load = steadyLoad(ports.port);
    const second = await until((await release('shop', '2.0.0')).id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tally = await load.stop();
    expect(second.status).toBe('succeeded');
    expect(second.steps.map((step) => step.step)).toContain('switch-traffic');
    expect(tally.failures).toEqual([]);
    expect(tally.sent).toBeGreaterThan(200);
    // Both versions answered during the run: the switch happened under the load.
    expect([...tally.versions.keys()].sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await serving(ports.port)).toEqual({ status: 200, version: '2.0.0', color: 'green' });
    expect(await environments('shop')).toEqual([
      { name: 'blue', version: '1.0.0', status: 'warm', health: { pods: 1, ready: 1, restarts: 0 }, traffic_pct: 0 },
      { name: 'green', version: '2.0.0', status: 'active', health: { pods: 1, ready: 1, restarts: 0 }, traffic_pct: 100 },
    ]);

    // 3.0.0 passes its smoke checks, then answers 500 to everything: the monitor moves traffic back to 2.0.0.
    const third = await until((await release('shop', '3.0.0', { monitorDurationMs: 15_000, monitorIntervalMs: 300 })).id);
    expect(third.status).toBe('rolled_back');
    expect(third.reason).toMatch(/consecutive failed health checks/);
    expect(third.steps.find((step) => step.step === 'rollback')?.status).toBe('succeeded');
    expect(await serving(ports.port)).toEqual({ status: 200, version: '2.0.0', color: 'green' });
    expect(third.steps.find((step) => step.step === 'kill-flags')).toMatchObject({ status: 'succeeded', details: { off: ['new-checkout'], missing: ['not-a-flag'] } });
    const after = await ctx.harness.call('GET', `/api/v1/features/${flagId}`, { token: ctx.workspace.tokens.viewer });
    expect(await after.json()).toMatchObject({ rollout_pct: 0 });
    // Only a rollback does it: the flag was at 60% through the two good releases.
    expect(first.steps.some((step) => step.step === 'kill-flags') || second.steps.some((step) => step.step === 'kill-flags')).toBe(false);
  });

  it('reports a colour whose process died as unhealthy until the supervisor has started it again', async () => {
    await register('fragile');
    expect((await until((await release('fragile', '1.0.0')).id)).status).toBe('succeeded');
    const supervisor = await connectSupervisor(ctx.supervisor);
    const status = await supervisor!.getService(localServiceKey({ workspaceId: ctx.workspace.id, environment: 'staging' }, 'fragile'));
    process.kill(status!.colors.blue!.pid!, 'SIGKILL');

    const down = await eventually(async () => {
      const blue = (await environments('fragile')).find((color) => color.name === 'blue');
      return blue?.health.ready === 0 ? blue : undefined;
    });
    expect(down).toMatchObject({ status: 'active', health: { pods: 1, ready: 0 } });
    const back = await eventually(async () => {
      const blue = (await environments('fragile')).find((color) => color.name === 'blue');
      return blue?.health.ready === 1 ? blue : undefined;
    });
    expect(back.health.restarts).toBe(1);
  });
});

// needs: Postgres, Temporal dev server, the test cluster
import { describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { eventually, startHarness } from '../support/harness.ts';
import { useReleaseFixture } from '../support/release-fixture.ts';

const { ctx, registerService, release, until, selectedColor, replicas } = useReleaseFixture('traffic');

interface ErrorBody {
  error: { code: string; details?: unknown };
}

describe('switching and rolling back a service outside a release', () => {
  it('rolls back to the warm previous colour in one selector switch, and switches forward again', async () => {
    await registerService('shop');
    expect((await until((await release('shop', '1.0.0')).id)).status).toBe('succeeded');
    // A long retention keeps blue warm after green takes over.
    const second = await release('shop', '2.0.0', { timings: { retentionMs: 3_600_000, monitorDurationMs: 500, rolloutPollMs: 200 } });
    expect((await until(second.id)).status).toBe('succeeded');
    expect(await selectedColor('shop')).toBe('green');

    const rollback = await ctx.harness.call('POST', '/api/v1/services/shop/rollback', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging' },
    });
    expect(rollback.status).toBe(200);
    expect(await rollback.json()).toEqual({ switched: true, from: 'green', to: 'blue' });
    expect(await selectedColor('shop')).toBe('blue');

    const environments = await ctx.harness.call('GET', '/api/v1/services/shop/environments?environment=staging', {
      token: ctx.workspace.tokens.viewer,
    });
    expect(environments.status).toBe(200);
    expect(await environments.json()).toEqual([
      { name: 'blue', version: '1.0.0', status: 'active', health: { pods: 2, ready: 2, restarts: 0 }, traffic_pct: 100 },
      { name: 'green', version: '2.0.0', status: 'warm', health: { pods: 2, ready: 2, restarts: 0 }, traffic_pct: 0 },
    ]);

    const wrongConfirm = await ctx.harness.call('POST', '/api/v1/services/shop/switch', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging', to: 'green', confirm: 'shops' },
    });
    expect(wrongConfirm.status).toBe(422);
    expect(await selectedColor('shop')).toBe('blue');

    const forward = await ctx.harness.call('POST', '/api/v1/services/shop/switch', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging', to: 'green', confirm: 'shop' },
    });
    expect(forward.status).toBe(200);
    expect(await selectedColor('shop')).toBe('green');

    const history = await ctx.harness.call('GET', '/api/v1/services/shop/history?environment=staging', {
      token: ctx.workspace.tokens.viewer,
    });
    const items = ((await history.json()) as { items: Array<{ version: string; status: string; duration_ms: number }> }).items;
    expect(items.map((item) => [item.version, item.status])).toEqual([
      ['2.0.0', 'succeeded'],
      ['1.0.0', 'succeeded'],
    ]);
    expect(items.every((item) => item.duration_ms > 0)).toBe(true);
  });

  it('refuses to switch to a cold colour, and refuses while a release runs', async () => {
    await registerService('cold');
    expect((await until((await release('cold', '1.0.0')).id)).status).toBe('succeeded');
    // Green was never deployed: nothing to switch to.
    const cold = await ctx.harness.call('POST', '/api/v1/services/cold/rollback', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging' },
    });
    expect(cold.status).toBe(409);
    expect(((await cold.json()) as ErrorBody).error.code).toBe('conflict');
    expect(await selectedColor('cold')).toBe('blue');

    const running = await release('cold', '2.0.0', { requireApproval: true });
    await until(running.id, ['awaiting_approval']);
    const busy = await ctx.harness.call('POST', '/api/v1/services/cold/switch', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging', to: 'green', confirm: 'cold' },
    });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as ErrorBody).error.details).toEqual({ deploymentId: running.id });
    await ctx.harness.call('POST', `/api/v1/deployments/${running.id}/abort`, { token: ctx.workspace.tokens.operator });
    expect((await until(running.id)).status).toBe('aborted');
  });

  it('rolls back by releasing the previous version again when its colour was retired', async () => {
    await registerService('revived');
    expect((await until((await release('revived', '1.0.0')).id)).status).toBe('succeeded');
    expect((await until((await release('revived', '2.0.0')).id)).status).toBe('succeeded');
    // A 1 s retention: blue (1.0.0) is scaled to zero soon after green takes over.
    await eventually(async () => ((await replicas('revived-blue')) === 0 ? true : undefined), 30_000);

    const rollback = await ctx.harness.call('POST', '/api/v1/services/revived/rollback', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging' },
    });
    expect(rollback.status).toBe(202);
    const body = (await rollback.json()) as { switched: boolean; release: { id: string; version: string } };
    expect(body).toMatchObject({ switched: false, release: { version: '1.0.0' } });
    expect((await until(body.release.id)).status).toBe('succeeded');
    expect(await selectedColor('revived')).toBe('blue');
  });

  it('switches with no worker running, from its watch cache, and sees a change made behind its back', async () => {
    await registerService('nowork');
    expect((await until((await release('nowork', '1.0.0')).id)).status).toBe('succeeded');
    const second = await release('nowork', '2.0.0', { timings: { retentionMs: 3_600_000, monitorDurationMs: 300, rolloutPollMs: 200 } });
    expect((await until(second.id)).status).toBe('succeeded');
    // An API with no worker at all: an instant switch is made by the API, not by a workflow.
    const api = await startHarness({ worker: false, kube: () => ctx.kube });
    try {
      const rollback = (body: unknown) => api.call('POST', '/api/v1/services/nowork/rollback', { token: ctx.workspace.tokens.operator, body });
      for (const [from, to] of [['green', 'blue'], ['blue', 'green'], ['green', 'blue']]) {
        const response = await rollback({ environment: 'staging' });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ switched: true, from, to });
        expect(await selectedColor('nowork')).toBe(to);
      }
      // Someone moves traffic with kubectl: the next rollback starts from what the cluster says, not from memory.
      await ctx.kube.core.patchNamespacedService(
        { name: 'nowork', namespace: ctx.namespace, body: { spec: { selector: { app: 'nowork', 'cutover.dev/color': 'green' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const afterKubectl = await rollback({ environment: 'staging' });
      expect(await afterKubectl.json()).toEqual({ switched: true, from: 'green', to: 'blue' });
      expect(await selectedColor('nowork')).toBe('blue');
      const audit = await api.call('GET', '/api/v1/audit', { token: ctx.workspace.tokens.admin });
      const actions = ((await audit.json()) as { items: Array<{ action: string; target: string; outcome: string }> }).items;
      expect(actions.filter((row) => row.action === 'service.rollback' && row.target === 'service/staging/nowork' && row.outcome === 'success')).toHaveLength(4);
    } finally {
      await api.close();
    }
  });

  it('answers 404 for an unknown service and 422 for a bad colour', async () => {
    const unknown = await ctx.harness.call('POST', '/api/v1/services/nope/rollback', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging' },
    });
    expect(unknown.status).toBe(404);
    const badColor = await ctx.harness.call('POST', '/api/v1/services/nope/switch', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging', to: 'purple', confirm: 'nope' },
    });
    expect(badColor.status).toBe(422);
    const viewer = await ctx.harness.call('POST', '/api/v1/services/nope/rollback', {
      token: ctx.workspace.tokens.viewer,
      body: { environment: 'staging' },
    });
    expect(viewer.status).toBe(403);
  });
});

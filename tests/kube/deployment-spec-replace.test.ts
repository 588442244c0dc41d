// needs: Postgres, Temporal dev server, the test cluster
import { describe, expect, it } from 'vitest';
import { useReleaseFixture } from '../support/release-fixture.ts';

const { ctx, registerService, release, until } = useReleaseFixture('spec');

describe("a colour's Deployment follows the definition", () => {
  it('drops the env vars and ports the definition no longer has when a colour is deployed again', async () => {
    ctx.preview.respond(200, { status: 'ok' });
    ctx.stable.respond(200, { status: 'ok' });
    const twoPorts = [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ];
    await registerService('trim', 'staging', { env: { A: 'a', B: 'b' }, ports: twoPorts });
    // Blue, then green: both colours now have a Deployment with A, B and two ports.
    expect((await until((await release('trim', '1.0.0')).id)).status).toBe('succeeded');
    expect((await until((await release('trim', '2.0.0')).id)).status).toBe('succeeded');

    const definition = {
      namespace: ctx.namespace,
      image: 'registry.example/trim:1',
      replicas: 2,
      env: { A: 'a2' },
      ports: [twoPorts[0]],
      smokeChecks: [{ name: 'health', path: '/healthz', jsonPath: 'status', equals: 'ok' }],
      endpoints: { preview: ctx.preview.url, stable: ctx.stable.url },
    };
    const updated = await ctx.harness.call('PUT', '/api/v1/services/trim', {
      token: ctx.workspace.tokens.operator,
      body: { environment: 'staging', definition },
    });
    expect(updated.status).toBe(200);

    // The third release lands on blue again, whose Deployment exists: it is changed, not created.
    expect((await until((await release('trim', '3.0.0')).id)).status).toBe('succeeded');
    const blue = await ctx.kube.apps.readNamespacedDeployment({ name: 'trim-blue', namespace: ctx.namespace });
    const container = blue.spec?.template.spec?.containers[0];
    expect(blue.metadata?.annotations?.['cutover.dev/version']).toBe('3.0.0');
    expect(container?.image).toBe('registry.example/trim:3.0.0');
    expect(container?.env).toEqual([{ name: 'A', value: 'a2' }]);
    expect(container?.ports?.map((port) => port.containerPort)).toEqual([8080]);
    expect(blue.spec?.template.spec?.containers).toHaveLength(1);
  });
});

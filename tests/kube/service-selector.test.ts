// needs: the test cluster
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isApiError, waitFor } from '../support/kube-client.ts';
import { waitForRollout } from '../support/rollout.ts';
import { useKubeNamespace, webDeployment } from '../support/kube-test.ts';

describe('switching a Service selector between blue and green', () => {
  const ctx = useKubeNamespace('selector');

  /** IPs of the ready endpoints the EndpointSlice controller publishes for the Service. */
  async function endpointIps(service: string): Promise<string[]> {
    const slices = await ctx.clients.discovery.listNamespacedEndpointSlice({
      namespace: ctx.namespace,
      labelSelector: `kubernetes.io/service-name=${service}`,
    });
    return slices.items
      .flatMap((s) => s.endpoints)
      .filter((e) => e.conditions?.ready)
      .flatMap((e) => e.addresses)
      .sort();
  }

  async function podIps(track: string): Promise<string[]> {
    const pods = await ctx.clients.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: `track=${track}` });
    return pods.items.map((p) => p.status?.podIP ?? '').sort();
  }

  it('moves the Service endpoints from blue to green pods with a merge patch', async () => {
    const { apps, core } = ctx.clients;
    for (const track of ['blue', 'green']) {
      const labels = { app: 'shop', track };
      await apps.createNamespacedDeployment({
        namespace: ctx.namespace,
        body: webDeployment({ name: `shop-${track}`, labels, image: `shop:${track}`, replicas: 2 }),
      });
    }
    await waitForRollout(apps, ctx.namespace, 'shop-blue');
    await waitForRollout(apps, ctx.namespace, 'shop-green');
    const blueIps = await podIps('blue');
    const greenIps = await podIps('green');
    expect(blueIps).toHaveLength(2);
    expect(greenIps).toHaveLength(2);

    await core.createNamespacedService({
      namespace: ctx.namespace,
      body: {
        metadata: { name: 'shop' },
        spec: { selector: { app: 'shop', track: 'blue' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    await waitFor('blue endpoints', async () =>
      (await endpointIps('shop')).join() === blueIps.join() ? true : undefined,
    );

    // A JSON merge patch replaces only the keys it names; the Service keeps its ports.
    const patched = await core.patchNamespacedService(
      { name: 'shop', namespace: ctx.namespace, body: { spec: { selector: { track: 'green' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.spec?.selector).toEqual({ app: 'shop', track: 'green' });
    expect(patched.spec?.ports?.[0]?.port).toBe(80);

    await waitFor('green endpoints', async () =>
      (await endpointIps('shop')).join() === greenIps.join() ? true : undefined,
    );
  }, 120_000);

  it('rejects an object body sent without a patch content type (the client defaults to JSON Patch)', async () => {
    const { core } = ctx.clients;
    await core.createNamespacedService({
      namespace: ctx.namespace,
      body: { metadata: { name: 'plain' }, spec: { selector: { app: 'plain' }, ports: [{ port: 80 }] } },
    });
    const err: unknown = await core
      .patchNamespacedService({ name: 'plain', namespace: ctx.namespace, body: { spec: { selector: { app: 'x' } } } })
      .catch((e: unknown) => e);
    expect(isApiError(err, 400) || isApiError(err, 422)).toBe(true);
    const unchanged = await core.readNamespacedService({ name: 'plain', namespace: ctx.namespace });
    expect(unchanged.spec?.selector).toEqual({ app: 'plain' });
  }, 60_000);
});

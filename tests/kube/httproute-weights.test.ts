// needs: the test cluster (its Gateway API CRDs)
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../support/kube-client.ts';
import { useKubeNamespace } from '../support/kube-test.ts';

/** The part of a Gateway API HTTPRoute these tests read. */
interface HttpRoute {
  metadata: { name: string; resourceVersion?: string };
  spec: { rules: { backendRefs: { name: string; port: number; weight?: number }[] }[] };
}

const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

describe('Gateway API HTTPRoute backend weights', () => {
  const ctx = useKubeNamespace('httproute');

  const weightsOf = (route: HttpRoute): Record<string, number | undefined> =>
    Object.fromEntries(route.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]) ?? []);

  async function readRoute(name: string): Promise<HttpRoute> {
    return (await ctx.clients.custom.getNamespacedCustomObject({ ...httpRoutes, namespace: ctx.namespace, name })) as HttpRoute;
  }

  async function createRoute(name: string, blue: number, green: number): Promise<HttpRoute> {
    const body = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name },
      spec: {
        parentRefs: [{ name: 'public' }],
        rules: [
          {
            backendRefs: [
              { name: `${name}-blue`, port: 80, weight: blue },
              { name: `${name}-green`, port: 80, weight: green },
            ],
          },
        ],
      },
    };
    return (await ctx.clients.custom.createNamespacedCustomObject({ ...httpRoutes, namespace: ctx.namespace, body })) as HttpRoute;
  }

  it('changes weights with a merge patch (which replaces the whole rules list) and reads them back', async () => {
    await createRoute('shop', 100, 0);
    expect(weightsOf(await readRoute('shop'))).toEqual({ 'shop-blue': 100, 'shop-green': 0 });

    const rules = [
      { backendRefs: [{ name: 'shop-blue', port: 80, weight: 50 }, { name: 'shop-green', port: 80, weight: 50 }] },
    ];
    await ctx.clients.custom.patchNamespacedCustomObject(
      { ...httpRoutes, namespace: ctx.namespace, name: 'shop', body: { spec: { rules } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

    expect(weightsOf(await readRoute('shop'))).toEqual({ 'shop-blue': 50, 'shop-green': 50 });
  }, 60_000);

  it('changes single weights with a JSON Patch guarded by test operations', async () => {
    await createRoute('cart', 90, 10);
    const setWeights = (expected: [number, number], next: [number, number]) =>
      ctx.clients.custom.patchNamespacedCustomObject(
        {
          ...httpRoutes,
          namespace: ctx.namespace,
          name: 'cart',
          body: [
            { op: 'test', path: '/spec/rules/0/backendRefs/0/weight', value: expected[0] },
            { op: 'test', path: '/spec/rules/0/backendRefs/1/weight', value: expected[1] },
            { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: next[0] },
            { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: next[1] },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );

    await setWeights([90, 10], [0, 100]);
    expect(weightsOf(await readRoute('cart'))).toEqual({ 'cart-blue': 0, 'cart-green': 100 });

    // The weights moved since we read them: the test op fails and nothing changes.
    const err: unknown = await setWeights([90, 10], [50, 50]).catch((e: unknown): unknown => e);
    expect(isApiError(err, 422)).toBe(true);
    expect(weightsOf(await readRoute('cart'))).toEqual({ 'cart-blue': 0, 'cart-green': 100 });
  }, 60_000);

  it('enforces the CRD schema and has no strategic merge patch for custom resources', async () => {
    await createRoute('checkout', 100, 0);
    const negative: unknown = await ctx.clients.custom
      .patchNamespacedCustomObject(
        {
          ...httpRoutes,
          namespace: ctx.namespace,
          name: 'checkout',
          body: [{ op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: -1 }],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      )
      .catch((e: unknown): unknown => e);
    expect(isApiError(negative, 422)).toBe(true);

    const strategic: unknown = await ctx.clients.custom
      .patchNamespacedCustomObject(
        { ...httpRoutes, namespace: ctx.namespace, name: 'checkout', body: { spec: { rules: [] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      )
      .catch((e: unknown): unknown => e);
    expect(isApiError(strategic, 415)).toBe(true);
    expect(weightsOf(await readRoute('checkout'))).toEqual({ 'checkout-blue': 100, 'checkout-green': 0 });
  }, 60_000);
});

// needs: the test cluster
import { VersionApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../support/kube-client.ts';
import { useKubeNamespace, webDeployment } from '../support/kube-test.ts';

describe('the Kubernetes test cluster', () => {
  const ctx = useKubeNamespace('cluster');

  it('is a real Kubernetes API server with a pinned version', async () => {
    const version = await ctx.clients.kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(version.gitVersion).not.toBe('v0.0.0');
  });

  it('has a Ready fake node to schedule pods on', async () => {
    const nodes = await ctx.clients.core.listNode();
    const ready = nodes.items.filter((node) =>
      node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    expect(ready.length).toBeGreaterThanOrEqual(1);
  });

  it('serves the Gateway API HTTPRoute v1 resource', async () => {
    const list = (await ctx.clients.custom.listNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: ctx.namespace,
      plural: 'httproutes',
    })) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('validates objects like a real API server (selector must match the pod labels)', async () => {
    const deployment = webDeployment({
      name: 'bad',
      labels: { app: 'bad' },
      selector: { app: 'other' },
      image: 'web:1',
      replicas: 1,
    });
    const err: unknown = await ctx.clients.apps
      .createNamespacedDeployment({ namespace: ctx.namespace, body: deployment })
      .catch((e: unknown) => e);
    expect(isApiError(err, 422)).toBe(true);
  });
});

import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../support/kube-client.ts';
import { kubeconfigPath, useKubeNamespace, webDeployment } from '../support/kube-test.ts';

describe.skipIf(!kubeconfigPath)('optimistic concurrency with resourceVersion', () => {
  const ctx = useKubeNamespace('conflict');

  it('rejects a replace built from a stale read with 409 Conflict', async () => {
    const { apps } = ctx.clients;
    const namespace = ctx.namespace;
    await apps.createNamespacedDeployment({
      namespace,
      body: webDeployment({ name: 'web', labels: { app: 'web' }, image: 'web:1', replicas: 1 }),
    });

    const stale = await apps.readNamespacedDeployment({ name: 'web', namespace });
    const fresh = await apps.readNamespacedDeployment({ name: 'web', namespace });
    fresh.metadata = { ...fresh.metadata, annotations: { 'cutover.dev/owner': 'release-a' } };
    const updated = await apps.replaceNamespacedDeployment({ name: 'web', namespace, body: fresh });
    expect(updated.metadata?.resourceVersion).not.toBe(stale.metadata?.resourceVersion);

    stale.metadata = { ...stale.metadata, annotations: { 'cutover.dev/owner': 'release-b' } };
    const err: unknown = await apps
      .replaceNamespacedDeployment({ name: 'web', namespace, body: stale })
      .catch((e: unknown) => e);
    expect(isApiError(err, 409)).toBe(true);

    const current = await apps.readNamespacedDeployment({ name: 'web', namespace });
    expect(current.metadata?.annotations?.['cutover.dev/owner']).toBe('release-a');
  }, 60_000);

  it('rejects a merge patch that carries a stale resourceVersion as a precondition', async () => {
    const { core } = ctx.clients;
    const namespace = ctx.namespace;
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'release' }, data: { phase: 'pending' } },
    });
    const patch = (phase: string, resourceVersion: string | undefined) =>
      core.patchNamespacedConfigMap(
        { name: 'release', namespace, body: { metadata: { resourceVersion }, data: { phase } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );

    await patch('promoting', created.metadata?.resourceVersion);
    const err: unknown = await patch('aborted', created.metadata?.resourceVersion).catch((e: unknown) => e);

    expect(isApiError(err, 409)).toBe(true);
    const current = await core.readNamespacedConfigMap({ name: 'release', namespace });
    expect(current.data).toEqual({ phase: 'promoting' });
  }, 60_000);
});

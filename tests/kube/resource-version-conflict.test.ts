// needs: the test cluster
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../support/kube-client.ts';
import { useKubeNamespace } from '../support/kube-test.ts';

describe('optimistic concurrency with resourceVersion', () => {
  const ctx = useKubeNamespace('conflict');

  it('rejects a replace built from a stale read with 409 Conflict', async () => {
    // A ConfigMap: no controller writes to it, so the only writers are this test's two "releases".
    const { core } = ctx.clients;
    const namespace = ctx.namespace;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' }, data: { owner: 'none' } } });

    const stale = await core.readNamespacedConfigMap({ name: 'owner', namespace });
    const fresh = await core.readNamespacedConfigMap({ name: 'owner', namespace });
    const updated = await core.replaceNamespacedConfigMap({
      name: 'owner',
      namespace,
      body: { ...fresh, data: { owner: 'release-a' } },
    });
    expect(updated.metadata?.resourceVersion).not.toBe(stale.metadata?.resourceVersion);

    const err: unknown = await core
      .replaceNamespacedConfigMap({ name: 'owner', namespace, body: { ...stale, data: { owner: 'release-b' } } })
      .catch((e: unknown) => e);
    expect(isApiError(err, 409)).toBe(true);

    const current = await core.readNamespacedConfigMap({ name: 'owner', namespace });
    expect(current.data).toEqual({ owner: 'release-a' });
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

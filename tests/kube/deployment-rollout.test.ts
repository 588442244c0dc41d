// needs: the test cluster
import { PatchStrategy, setHeaderOptions, type V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { waitForRollout } from '../support/rollout.ts';
import { useKubeNamespace, webDeployment } from '../support/kube-test.ts';

function imagesOf(rs: V1ReplicaSet): string[] {
  return rs.spec?.template?.spec?.containers.map((c) => c.image ?? '') ?? [];
}

describe('Deployment rollouts', () => {
  const ctx = useKubeNamespace('rollout');

  it('rolls out a new Deployment until every replica is available', async () => {
    const { apps } = ctx.clients;
    const body = webDeployment({ name: 'web', labels: { app: 'web' }, image: 'web:1.0.0', replicas: 3 });
    await apps.createNamespacedDeployment({ namespace: ctx.namespace, body });

    const done = await waitForRollout(apps, ctx.namespace, 'web');

    expect(done.status?.availableReplicas).toBe(3);
    expect(done.status?.availableReplicas).toBe(done.spec?.replicas);
    expect(done.status?.observedGeneration).toBe(done.metadata?.generation);
  }, 120_000);

  it('rolls a changed image out through a new ReplicaSet and scales the old one to zero', async () => {
    const { apps } = ctx.clients;
    const labels = { app: 'api' };
    await apps.createNamespacedDeployment({
      namespace: ctx.namespace,
      body: webDeployment({ name: 'api', labels, image: 'api:1.0.0', replicas: 2 }),
    });
    await waitForRollout(apps, ctx.namespace, 'api');

    // Strategic merge patch merges containers by name, so only the image changes.
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'api:2.0.0' }] } } } };
    const patched = await apps.patchNamespacedDeployment(
      { name: 'api', namespace: ctx.namespace, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort).toBe(8080);
    expect(patched.metadata?.generation).toBe(2);

    const done = await waitForRollout(apps, ctx.namespace, 'api');
    expect(done.status?.updatedReplicas).toBe(2);
    expect(done.status?.availableReplicas).toBe(2);

    const replicaSets = await apps.listNamespacedReplicaSet({ namespace: ctx.namespace, labelSelector: 'app=api' });
    expect(replicaSets.items).toHaveLength(2);
    const next = replicaSets.items.find((rs) => imagesOf(rs).includes('api:2.0.0'));
    const prev = replicaSets.items.find((rs) => imagesOf(rs).includes('api:1.0.0'));
    expect(next?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(next?.status?.availableReplicas).toBe(2);
    expect(prev?.spec?.replicas).toBe(0);
    expect(prev?.status?.replicas ?? 0).toBe(0);
  }, 120_000);
});

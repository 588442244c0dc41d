import type { AppsV1Api, V1Deployment } from '@kubernetes/client-node';
import { waitFor } from './kube-client.ts';

/** Where a Deployment's rollout stands, by kubectl's `rollout status` rule. */
export type RolloutStatus =
  | { state: 'done' }
  | { state: 'progressing'; message: string }
  | { state: 'failed'; message: string };

export function rolloutStatus(deployment: V1Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? '<unnamed>';
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  // The controller has not looked at the latest spec yet, so the counts below are stale.
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'progressing', message: `waiting for deployment ${name} spec update to be observed` };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment ${name} exceeded its progress deadline` };
  }
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) {
    return { state: 'progressing', message: `${updated} of ${desired} new replicas have been updated` };
  }
  if (total > updated) {
    return { state: 'progressing', message: `${total - updated} old replicas are pending termination` };
  }
  if (available < updated) {
    return { state: 'progressing', message: `${available} of ${updated} updated replicas are available` };
  }
  return { state: 'done' };
}

/** Waits until the Deployment's rollout is done; rejects when it fails or takes longer than `timeoutMs`. */
export async function waitForRollout(
  apps: AppsV1Api,
  namespace: string,
  name: string,
  timeoutMs = 90_000,
): Promise<V1Deployment> {
  let last = 'no status read yet';
  try {
    return await waitFor(
      `rollout of deployment ${namespace}/${name}`,
      async () => {
        const deployment = await apps.readNamespacedDeployment({ name, namespace });
        const status = rolloutStatus(deployment);
        if (status.state === 'failed') throw new Error(status.message);
        if (status.state === 'done') return deployment;
        last = status.message;
        return undefined;
      },
      { timeoutMs },
    );
  } catch (cause) {
    throw new Error(`rollout of deployment ${namespace}/${name} did not finish (last: ${last})`, { cause });
  }
}

import type { AppsV1Api, V1Deployment } from '@kubernetes/client-node';
import { rolloutStatus } from '../../src/targets/kubernetes/rollout-status.ts';
import { waitFor } from './kube-client.ts';

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

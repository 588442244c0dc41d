import type { V1Deployment } from '@kubernetes/client-node';
import type { RolloutStatus } from '../target.ts';

/** kubectl's `rollout status` rule, as a pure function of the Deployment read from the API. */
export function rolloutStatus(deployment: V1Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? '<unnamed>';
  const status = deployment.status ?? {};
  // The controller has not looked at the latest spec yet, so the counts below are stale.
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'progressing', message: `waiting for deployment ${name} spec update to be observed` };
  }
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment ${name} exceeded its progress deadline` };
  }
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) return { state: 'progressing', message: `${updated} of ${desired} new replicas have been updated` };
  if (total > updated) return { state: 'progressing', message: `${total - updated} old replicas are pending termination` };
  if (available < updated) return { state: 'progressing', message: `${available} of ${updated} updated replicas are available` };
  return { state: 'done' };
}

import { proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { statusSearchAttribute } from '../temporal/search-attributes.ts';
import { planRelease } from './lib/release-plan.ts';
import { stateQuery, type ReleaseState } from './messages.ts';

const { markDeploymentStatus, recordDeploymentEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '10 seconds' },
});

export interface DryRunInput {
  workspaceId: string;
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
}

/** Records the plan a release would follow, step by step, without touching any target. */
export async function dryRunWorkflow(input: DryRunInput): Promise<{ steps: number }> {
  const ref = { workspaceId: input.workspaceId, deploymentId: input.deploymentId };
  const state: ReleaseState = { step: 'starting', status: 'pending' };
  setHandler(stateQuery, () => state);

  await markDeploymentStatus({ ...ref, status: 'in_progress' });
  state.status = 'in_progress';
  upsertSearchAttributes([{ key: statusSearchAttribute, value: 'in_progress' }]);

  const plan = planRelease(input);
  for (const planned of plan) {
    state.step = planned.step;
    const now = new Date().toISOString();
    await recordDeploymentEvent({
      ...ref,
      eventKey: planned.step,
      step: planned.step,
      status: 'skipped',
      message: `dry run: would ${planned.description}`,
      startedAt: now,
      endedAt: now,
    });
  }

  await markDeploymentStatus({ ...ref, status: 'succeeded' });
  state.step = 'done';
  state.status = 'succeeded';
  upsertSearchAttributes([{ key: statusSearchAttribute, value: 'succeeded' }]);
  return { steps: plan.length };
}

import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DeploymentStatus } from '../db/schema/deployments.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import { standbyColor, type Color } from './lib/colors.ts';
import type { ReleaseState } from './messages.ts';
import { failureMessage, finalStatuses, type releaseReporter } from './release-status.ts';

// The steps every strategy shares: find what serves, put the new version on the other colour.

const kube = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidDefinition'] },
});

type Reporter = ReturnType<typeof releaseReporter>;

/** Runs a release; whatever goes wrong unexpectedly, its record never stays "in progress". */
export async function guardRelease(state: ReleaseState, reporter: Reporter, release: () => Promise<ReleaseState>): Promise<ReleaseState> {
  try {
    return await release();
  } catch (error) {
    if (!finalStatuses.includes(state.status as DeploymentStatus)) {
      await CancellationScope.nonCancellable(() => reporter.setStatus('failed', `unexpected failure at ${state.step}: ${failureMessage(error)}`));
    }
    throw error;
  }
}

/** The colour serving now (null on a first release) and the other one, where the new version goes. */
export async function resolveColors(
  target: { service: string; definition: ServiceDefinition },
  state: ReleaseState,
  reporter: Reporter,
): Promise<{ active: Color | null; standby: Color }> {
  state.step = 'resolve-active-color';
  const active = await reporter.steps.run('resolve-active-color', () => kube.readActiveColor(target), (color) => ({ active: color }));
  const standby = standbyColor(active ?? undefined);
  Object.assign(state, { activeColor: active, standbyColor: standby, trafficColor: active });
  return { active, standby };
}

/** Deploys the version to a colour at full size, points the preview at it and waits for its rollout (as `step`). */
export async function deployColorStep(
  step: string,
  input: { service: string; definition: ServiceDefinition; image: string; version: string; timings: { rolloutTimeoutMs: number; rolloutPollMs: number } },
  color: Color,
  reporter: Reporter,
): Promise<void> {
  const target = { service: input.service, definition: input.definition };
  const waitForRollout = proxyActivities<Activities>({
    startToCloseTimeout: input.timings.rolloutTimeoutMs + 60_000,
    heartbeatTimeout: Math.max(30_000, input.timings.rolloutPollMs * 5),
    retry: { maximumAttempts: 3 },
  }).waitForRollout;
  await reporter.steps.run(step, async () => {
    await kube.deployColor({ ...target, color, image: input.image, version: input.version });
    await kube.switchTraffic({ ...target, role: 'preview', color });
    await waitForRollout({ ...target, color, timeoutMs: input.timings.rolloutTimeoutMs, pollMs: input.timings.rolloutPollMs });
  });
}

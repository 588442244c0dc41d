import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DeploymentStatus } from '../db/schema/deployments.ts';
import type { Scope } from '../bindings/scope.ts';
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
  target: Scope & { service: string; definition: ServiceDefinition },
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
  input: Scope & { service: string; definition: ServiceDefinition; image: string; version: string; timings: { rolloutTimeoutMs: number; rolloutPollMs: number } },
  color: Color,
  reporter: Reporter,
): Promise<void> {
  const target = { workspaceId: input.workspaceId, environment: input.environment, service: input.service, definition: input.definition };
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

/**
 * The pre-switch hooks the definition turns on — the database backup, then the migration with the release's
 * image — each a step, before the new version gets any traffic. Returns why the release must stop, if it must.
 */
export async function runPreSwitchHooks(
  input: Scope & { service: string; definition: ServiceDefinition; deploymentId: string; image: string; timings: { rolloutTimeoutMs: number } },
  state: ReleaseState,
  reporter: Reporter,
): Promise<string | undefined> {
  const hooks = input.definition.hooks;
  const wanted = [...(hooks?.backup?.enabled ? (['backup'] as const) : []), ...(hooks?.migration ? (['migration'] as const) : [])];
  if (wanted.length === 0) return undefined;
  const hookRunner = proxyActivities<Activities>({
    startToCloseTimeout: input.timings.rolloutTimeoutMs + 60_000,
    heartbeatTimeout: '1 minute',
    retry: { maximumAttempts: 2 },
  });
  state.step = 'pre-switch-hooks';
  for (const hook of wanted) {
    let outcome: { exitCode: number; lines: string[] };
    try {
      outcome = await reporter.steps.run(
        `hook-${hook}`,
        () => hookRunner.runPreSwitchHook({ hook, workspaceId: input.workspaceId, environment: input.environment, service: input.service, definition: input.definition, deploymentId: input.deploymentId, image: input.image }),
        (result) => ({ exitCode: result.exitCode, lines: result.lines }),
      );
    } catch (error) {
      return `${hook} hook failed: ${failureMessage(error)}`;
    }
    if (outcome.exitCode !== 0) return `${hook} hook exited with ${outcome.exitCode}`;
  }
  return undefined;
}

const flagSwitch = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 10, maximumInterval: '5 seconds' } });

/**
 * After a rollback: the flags the definition names in `killFlags` go to 0% (a step of the release's record). A
 * failure here is recorded and does not undo the rollback, which has happened.
 */
export async function switchOffKillFlags(
  input: Scope & { deploymentId: string; definition: Pick<ServiceDefinition, 'killFlags'> },
  reason: string,
  reporter: Reporter,
): Promise<void> {
  const keys = input.definition.killFlags ?? [];
  if (keys.length === 0) return;
  await reporter.steps
    .run('kill-flags', () => flagSwitch.switchOffFlags({ workspaceId: input.workspaceId, environment: input.environment, keys, deploymentId: input.deploymentId, reason }), (result) => ({ ...result }))
    .catch(() => undefined);
}

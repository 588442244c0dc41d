import { CancellationScope, condition, ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { releaseLockKey } from '../releases/lock-key.ts';
import { runAnalysis } from './canary-analysis.ts';
import { canaryWeights, stepName, type CanaryStep } from './lib/canary-steps.ts';
import { standbyColor, type Color } from './lib/colors.ts';
import { abortSignal, promoteSignal, stateQuery, type ReleaseState } from './messages.ts';
import { failureMessage, releaseReporter, type ReleaseIdentity } from './release-status.ts';
import { deployColorStep, guardRelease, resolveColors, runPreSwitchHooks, switchOffKillFlags } from './release-steps.ts';
import { retireColorWorkflow } from './retire-color.ts';

export interface CanaryInput extends ReleaseIdentity {
  image: string;
  /** What to do, in order; always ends with all traffic on the canary. */
  steps: CanaryStep[];
  timings: {
    rolloutTimeoutMs: number;
    rolloutPollMs: number;
    /** After an abort, how long the canary stays up (for a look at it) before it is scaled down. */
    abortScaleDownDelayMs: number;
    /** How long the old stable colour stays warm after a successful canary. */
    retentionMs: number;
  };
}

const kube = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidDefinition', 'UnsupportedWeights'] },
});
const http = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/**
 * Deploys the new version to the standby colour and moves traffic to it in steps — set a weight, pause, judge
 * with an analysis — while the stable colour serves the rest. A failed analysis or an abort sends all traffic
 * back to the stable colour at once; an inconclusive one (no data) pauses the release for a person to decide.
 */
export async function canaryWorkflow(input: CanaryInput): Promise<ReleaseState> {
  const { timings } = input;
  const target = { workspaceId: input.workspaceId, environment: input.environment, service: input.service, definition: input.definition };
  const state: ReleaseState = { step: 'starting', status: 'pending', stepIndex: 0, stepCount: input.steps.length, analyses: [] };
  const reporter = releaseReporter(input, state);
  const { steps, setStatus } = reporter;
  let abortRequest: string | undefined;
  let promotions = 0;
  let promoteFull = false;
  setHandler(stateQuery, () => state);
  setHandler(abortSignal, ({ by, reason }) => void (abortRequest ??= `aborted by ${by}${reason ? `: ${reason}` : ''}`));
  setHandler(promoteSignal, ({ full }) => {
    promotions += 1;
    if (full) promoteFull = true;
  });

  const setWeights = async (name: string, weights: Record<Color, number>) => {
    const applied = await steps.run(name, () => kube.setTrafficWeights({ ...target, weights }), (result) => ({ weights: result }));
    state.weights = applied;
  };

  return guardRelease(state, reporter, release);

  async function release(): Promise<ReleaseState> {
    await setStatus('in_progress');
    const { active: stable, standby: canary } = await resolveColors(target, state, reporter);

    const hookFailure = await runPreSwitchHooks(input, state, reporter);
    if (hookFailure) return end('failed', hookFailure, stable, canary);
    if (abortRequest) return end('aborted', abortRequest, stable, canary);

    state.step = 'deploy-canary';
    try {
      await deployColorStep('deploy-canary', input, canary, reporter);
    } catch (error) {
      return end('failed', `rollout of ${canary} failed: ${failureMessage(error)}`, stable, canary);
    }
    if (input.definition.smokeChecks.length > 0) {
      state.step = 'smoke-tests';
      const results = await steps.run('smoke-tests', () => http.runSmokeChecks({ ...target, checks: input.definition.smokeChecks }), (checks) => ({ checks }));
      const failed = results.filter((result) => !result.passed);
      if (failed.length > 0) return end('failed', `smoke checks failed: ${failed.map((r) => `${r.name} (${r.reason})`).join('; ')}`, stable, canary);
    }
    // A first release has nothing to share traffic with: the canary takes all of it.
    if (!stable) {
      await setWeights('set-weight-100', canaryWeights(standbyColor(canary), canary, 100));
      await setStatus('succeeded');
      state.step = 'done';
      return state;
    }

    for (const [index, step] of input.steps.entries()) {
      if (abortRequest) return end('aborted', abortRequest, stable, canary);
      if (promoteFull) break;
      state.stepIndex = index;
      state.step = stepName(step, index);
      const promotedBefore = promotions;
      const interrupted = () => abortRequest !== undefined || promoteFull || promotions > promotedBefore;
      if ('setWeight' in step) {
        await setWeights(state.step, canaryWeights(stable, canary, step.setWeight));
        state.trafficColor = step.setWeight === 100 ? canary : stable;
      } else if ('pause' in step) {
        const name = state.step;
        await steps.run(name, async () => {
          // Without a duration it waits for a person: promote (or abort).
          if (step.pause.durationMs === undefined) await condition(interrupted);
          else await condition(interrupted, step.pause.durationMs);
          return promotions > promotedBefore ? 'promoted' : abortRequest ? 'aborted' : 'elapsed';
        }, (ended) => ({ ended }));
      } else {
        const result = await steps.run(state.step, () => runAnalysis(target, step.analysis, interrupted), (outcome) => ({ ...outcome }));
        state.analyses?.push({ step: state.step, verdict: result.verdict, dryRun: result.dryRun, metrics: result.metrics });
        if (result.dryRun || result.verdict === 'successful' || result.verdict === 'running') continue;
        const failing = Object.entries(result.metrics).filter(([, metric]) => metric.verdict === result.verdict).map(([name]) => name).join(', ');
        if (result.verdict === 'failed' || step.analysis.onInconclusive === 'abort') {
          return end('rolled_back', `analysis ${result.verdict}: ${failing}`, stable, canary);
        }
        // No data is no verdict: hold here, tell people, and let one of them promote or abort.
        await setStatus('paused', `analysis inconclusive: ${failing}; promote to go on or abort`);
        await condition(() => abortRequest !== undefined || promotions > promotedBefore || promoteFull);
        if (abortRequest) return end('aborted', abortRequest, stable, canary);
        await setStatus('in_progress');
      }
    }
    if (abortRequest) return end('aborted', abortRequest, stable, canary);
    if (state.weights?.[canary] !== 100) await setWeights('set-weight-100', canaryWeights(stable, canary, 100));
    state.trafficColor = canary;
    await setStatus('succeeded');
    // The old stable colour stays warm for a while, so a rollback is one switch; a child retires it later.
    await retireLater(stable, timings.retentionMs);
    state.step = 'done';
    return state;
  }

  /** Ends the canary: all traffic back on the stable colour at once, the canary scaled down after a delay. */
  async function end(status: 'failed' | 'aborted' | 'rolled_back', reason: string, stable: Color | null, canary: Color): Promise<ReleaseState> {
    await CancellationScope.nonCancellable(async () => {
      if (stable && (state.weights?.[canary] ?? 0) > 0) {
        state.step = 'restore-stable';
        await setWeights('restore-stable', canaryWeights(stable, canary, 0));
        state.trafficColor = stable;
      }
      await retireLater(canary, timings.abortScaleDownDelayMs);
      if (status === 'rolled_back') await switchOffKillFlags(input, reason, reporter);
      await setStatus(status, reason);
    });
    state.step = 'done';
    return state;
  }

  /** Scales `color` to zero after `delayMs` unless it serves again by then (a child, so this run can end). */
  async function retireLater(color: Color, delayMs: number): Promise<void> {
    await startChild(retireColorWorkflow, {
      workflowId: `retire/${input.workspaceId}/${input.environment}/${input.service}/${input.deploymentId}/${color}`,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      taskQueue: workflowInfo().taskQueue,
      args: [{ ...target, color, retainMs: delayMs, lockKey: releaseLockKey(input.service, input.definition) }],
    });
  }
}

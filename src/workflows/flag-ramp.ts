import { ApplicationFailure, CancellationScope, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { rampStepName, rampTarget, type RampPlan } from './lib/ramp-steps.ts';
import { runAnalysis } from './canary-analysis.ts';
import { abortSignal, promoteSignal, stateQuery, type ReleaseState } from './messages.ts';

/**
 * A flag ramp: raises a flag's rollout in steps, with pauses and analyses between them (the canary's analysis,
 * same providers and CEL conditions), like a canary moves traffic. A failed verdict is the kill switch: the
 * rollout drops to 0% at once. Abort puts the rollout back where the ramp found it; promote skips the pause or
 * analysis it is in (with `full`, straight to the final rollout).
 */
export interface FlagRampInput {
  rampId: string;
  workspaceId: string;
  environment: string;
  featureId: string;
  featureKey: string;
  plan: RampPlan;
  /** The rollout before the ramp: what an abort restores. */
  startPct: number;
  /** Who started it, for the audit rows. */
  by: string;
}

const flags = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 20, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['FlagGone'] },
});

export async function flagRampWorkflow(input: FlagRampInput): Promise<ReleaseState> {
  const ref = { workspaceId: input.workspaceId, environment: input.environment, featureId: input.featureId, rampId: input.rampId };
  const scope = { workspaceId: input.workspaceId, environment: input.environment };
  const state: ReleaseState = { step: 'starting', status: 'running', stepIndex: 0, stepCount: input.plan.steps.length, analyses: [], weights: { rollout: input.startPct } };
  let abortRequest: string | undefined;
  let promotions = 0;
  let promoteFull = false;
  setHandler(stateQuery, () => state);
  setHandler(abortSignal, ({ by, reason }) => void (abortRequest ??= `aborted by ${by}${reason ? `: ${reason}` : ''}`));
  setHandler(promoteSignal, ({ full }) => {
    promotions += 1;
    if (full) promoteFull = true;
  });

  const record = (name: string, outcome: string, details?: Record<string, unknown>, extra: { status?: 'running' | 'paused'; reason?: string | null } = {}) =>
    flags.recordRampProgress({ workspaceId: input.workspaceId, rampId: input.rampId, step: { name, outcome, at: new Date().toISOString(), details }, currentPct: state.weights!.rollout, ...extra });
  const setRollout = async (pct: number, why: string) => {
    await flags.setFlagRollout({ ...ref, rolloutPct: pct, by: input.by, why });
    state.weights = { rollout: pct };
  };

  try {
    for (const [index, step] of input.plan.steps.entries()) {
      if (abortRequest) return await end('aborted', abortRequest, input.startPct);
      if (promoteFull) break;
      state.stepIndex = index;
      state.step = rampStepName(step, index);
      const promotedBefore = promotions;
      const interrupted = () => abortRequest !== undefined || promoteFull || promotions > promotedBefore;
      if ('setRollout' in step) {
        await setRollout(step.setRollout, `step ${index + 1} of ${input.plan.steps.length}`);
        await record(state.step, 'set', { rollout_pct: step.setRollout });
      } else if ('pause' in step) {
        if (step.pause.durationMs === undefined) await condition(interrupted);
        else await condition(interrupted, step.pause.durationMs);
        await record(state.step, promotions > promotedBefore || promoteFull ? 'promoted' : abortRequest ? 'aborted' : 'elapsed');
      } else {
        const result = await runAnalysis(scope, step.analysis, interrupted);
        state.analyses?.push({ step: state.step, verdict: result.verdict, dryRun: result.dryRun, metrics: result.metrics });
        await record(state.step, result.verdict, { dry_run: result.dryRun, metrics: result.metrics });
        if (result.dryRun || result.verdict === 'successful' || result.verdict === 'running') continue;
        const failing = Object.entries(result.metrics).filter(([, metric]) => metric.verdict === result.verdict).map(([name]) => name).join(', ');
        if (result.verdict === 'failed' || step.analysis.onInconclusive === 'abort') return await end('rolled_back', `analysis ${result.verdict}: ${failing}; the flag is off (0%)`, 0);
        state.status = 'paused';
        await record(`${state.step}-hold`, 'paused', undefined, { status: 'paused', reason: `analysis inconclusive: ${failing}; promote to go on or abort` });
        await condition(() => abortRequest !== undefined || promotions > promotedBefore || promoteFull);
        if (abortRequest) return await end('aborted', abortRequest, input.startPct);
        state.status = 'running';
        await record(`${state.step}-hold`, 'resumed', undefined, { status: 'running', reason: null });
      }
    }
    if (abortRequest) return await end('aborted', abortRequest, input.startPct);
    const target = rampTarget(input.plan);
    if (state.weights!.rollout !== target) {
      await setRollout(target, 'promoted to the final rollout');
      await record(`set-rollout-${target}`, 'set', { rollout_pct: target, promoted: true });
    }
    return await end('succeeded', null, target);
  } catch (error) {
    // Whatever broke (a measurement that kept failing, the flag deleted), the new behaviour is not left half on.
    const message = error instanceof ApplicationFailure || error instanceof Error ? error.message : String(error);
    return await end('failed', `${message}; the flag is off (0%)`, 0);
  }

  async function end(status: 'succeeded' | 'rolled_back' | 'aborted' | 'failed', reason: string | null, pct: number): Promise<ReleaseState> {
    await CancellationScope.nonCancellable(async () => {
      if (state.weights!.rollout !== pct) {
        state.step = status === 'aborted' ? 'restore-rollout' : 'kill-switch';
        await setRollout(pct, reason ?? status).catch(() => {});
      }
      state.status = status;
      state.reason = reason ?? undefined;
      await flags.recordRampProgress({
        workspaceId: input.workspaceId,
        rampId: input.rampId,
        step: { name: 'end', outcome: status, at: new Date().toISOString(), details: { rollout_pct: state.weights!.rollout } },
        status,
        reason,
        currentPct: state.weights!.rollout,
      });
    });
    state.step = 'done';
    return state;
  }
}

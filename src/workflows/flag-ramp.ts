import { ActivityFailure, ApplicationFailure, CancellationScope, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { statusSearchAttribute } from '../temporal/search-attributes.ts';
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
  /** The rollout and state before the ramp: what an abort restores. */
  startPct: number;
  startEnabled: boolean;
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
  // What the ramp left the flag at: a flag found otherwise was changed by someone else (FlagChanged).
  let held = { rolloutPct: input.startPct, enabled: input.startEnabled };
  const setRollout = async (to: { rolloutPct: number; enabled: boolean }, why: string, force = false) => {
    await flags.setFlagRollout({ ...ref, to, expected: force ? undefined : held, by: input.by, why });
    held = to;
    state.weights = { rollout: to.rolloutPct };
  };

  const off = 'off' as const;
  const restore = 'restore' as const;
  try {
    for (const [index, step] of input.plan.steps.entries()) {
      if (abortRequest) return await end('aborted', abortRequest, restore);
      if (promoteFull) break;
      state.stepIndex = index;
      state.step = rampStepName(step, index);
      const promotedBefore = promotions;
      const interrupted = () => abortRequest !== undefined || promoteFull || promotions > promotedBefore;
      if ('setRollout' in step) {
        await setRollout({ rolloutPct: step.setRollout, enabled: true }, `step ${index + 1} of ${input.plan.steps.length}`);
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
        if (result.verdict === 'failed' || step.analysis.onInconclusive === 'abort') return await end('rolled_back', `analysis ${result.verdict}: ${failing}`, off);
        state.status = 'paused';
        upsertSearchAttributes([{ key: statusSearchAttribute, value: 'paused' }]);
        await record(`${state.step}-hold`, 'paused', undefined, { status: 'paused', reason: `analysis inconclusive: ${failing}; promote to go on or abort` });
        await condition(() => abortRequest !== undefined || promotions > promotedBefore || promoteFull);
        if (abortRequest) return await end('aborted', abortRequest, restore);
        state.status = 'running';
        upsertSearchAttributes([{ key: statusSearchAttribute, value: 'running' }]);
        await record(`${state.step}-hold`, 'resumed', undefined, { status: 'running', reason: null });
      }
    }
    if (abortRequest) return await end('aborted', abortRequest, restore);
    const target = rampTarget(input.plan);
    if (state.weights!.rollout !== target) {
      await setRollout({ rolloutPct: target, enabled: true }, 'promoted to the final rollout');
      await record(`set-rollout-${target}`, 'set', { rollout_pct: target, promoted: true });
    }
    return await end('succeeded', null, undefined);
  } catch (error) {
    const failure = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : error instanceof ApplicationFailure ? error : undefined;
    // Someone else took the flag over (a PUT, a release's killFlags): the ramp stops and leaves it as they set it.
    if (failure?.type === 'FlagChanged') return await end('aborted', `${failure.message}: the ramp stopped and left it so`, undefined);
    // Whatever else broke (a measurement that kept failing, the database), the new behaviour is not left half on.
    const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
    return await end('failed', message, off);
  }

  /**
   * Ends the ramp: `to` is what the flag goes to first — `off` (the kill switch: disabled, 0%, whoever changed it
   * since), `restore` (an abort: what the ramp found, unless someone changed it since), or nothing.
   */
  async function end(status: 'succeeded' | 'rolled_back' | 'aborted' | 'failed', reason: string | null, to: 'off' | 'restore' | undefined): Promise<ReleaseState> {
    await CancellationScope.nonCancellable(async () => {
      if (to === 'off') {
        state.step = 'kill-switch';
        try {
          await setRollout({ rolloutPct: 0, enabled: false }, reason ?? status, true);
          reason = `${reason}; the flag is off`;
        } catch (error) {
          reason = `${reason}; switching the flag off FAILED (${error instanceof Error ? error.message : String(error)}): turn it off by hand`;
        }
      } else if (to === 'restore') {
        state.step = 'restore-rollout';
        try {
          await setRollout({ rolloutPct: input.startPct, enabled: input.startEnabled }, reason ?? status);
          reason = `${reason}; the flag is back ${input.startEnabled ? `at ${input.startPct}%` : 'off'}`;
        } catch (error) {
          reason = `${reason}; the flag was left as it is (${error instanceof Error ? error.message : String(error)})`;
        }
      }
      state.status = status;
      state.reason = reason ?? undefined;
      upsertSearchAttributes([{ key: statusSearchAttribute, value: status }]);
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

import {
  CancellationScope,
  condition,
  proxyActivities,
  setHandler,
  startChild,
  ParentClosePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { releaseLockKey } from '../releases/lock-key.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { Color } from './lib/colors.ts';
import { recordSample, type MonitorTally } from './lib/monitor.ts';
import type { ReleaseTimings } from './lib/release-timings.ts';
import {
  abortSignal,
  approveUpdate,
  promoteSignal,
  rejectUpdate,
  rollbackSignal,
  stateQuery,
  type ApprovalDecision,
  type ReleaseState,
} from './messages.ts';
import { retireColorWorkflow } from './retire-color.ts';
import { failureMessage, releaseReporter } from './release-status.ts';
import { deployColorStep, guardRelease, resolveColors, runPreSwitchHooks, switchOffKillFlags } from './release-steps.ts';

export interface BlueGreenInput {
  workspaceId: string;
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  image: string;
  /** The service definition as it was when the release started. */
  definition: ServiceDefinition;
  /** Production releases wait for a person's approval before the switch. */
  requireApproval: boolean;
  timings: ReleaseTimings;
}

const kube = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidDefinition'] },
});
const http = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

/** Deploys to the standby colour, tests it, waits for approval, switches, watches and rolls back on its own. */
export async function blueGreenWorkflow(input: BlueGreenInput): Promise<ReleaseState> {
  const { timings } = input;
  const target = { workspaceId: input.workspaceId, environment: input.environment, service: input.service, definition: input.definition };
  const state: ReleaseState = { step: 'starting', status: 'pending' };
  const reporter = releaseReporter(input, state);
  const { steps, notify, setStatus } = reporter;
  let decision: { approved: boolean; by: ApprovalDecision } | undefined;
  let abortRequest: string | undefined;
  let rollbackRequest: string | undefined;
  let promoted = false;

  setHandler(stateQuery, () => state);
  const validateDecision = (given: ApprovalDecision) => {
    if (state.status !== 'awaiting_approval') throw new Error(`the release is ${state.status}, not awaiting approval`);
    if (!given.approver?.trim()) throw new Error('approver is required');
    if (given.confirm !== input.service) throw new Error(`confirm must equal the service name "${input.service}"`);
  };
  setHandler(approveUpdate, (given) => ((decision = { approved: true, by: given }), state), { validator: validateDecision });
  setHandler(rejectUpdate, (given) => ((decision = { approved: false, by: given }), state), { validator: validateDecision });
  setHandler(abortSignal, ({ by, reason }) => void (abortRequest ??= `aborted by ${by}${reason ? `: ${reason}` : ''}`));
  setHandler(rollbackSignal, ({ by, reason }) => void (rollbackRequest ??= `rolled back by ${by}${reason ? `: ${reason}` : ''}`));
  setHandler(promoteSignal, () => void (promoted = true));

  /** Ends a release that never moved traffic: the standby goes back to zero. */
  const endBeforeSwitch = async (status: 'failed' | 'aborted', reason: string, standby: Color) => {
    await CancellationScope.nonCancellable(async () => {
      await steps.run('scale-down-standby', () => kube.scaleColor({ ...target, color: standby, replicas: 0 }));
      await setStatus(status, reason);
    });
    state.step = 'done';
    return state;
  };

  return guardRelease(state, reporter, release);

  /** The release itself, step by step; returns early wherever it ends. */
  async function release(): Promise<ReleaseState> {
    await setStatus('in_progress');
    const { active, standby } = await resolveColors(target, state, reporter);

    const hookFailure = await runPreSwitchHooks(input, state, reporter);
    if (hookFailure) return endBeforeSwitch('failed', hookFailure, standby);
    if (abortRequest) return endBeforeSwitch('aborted', abortRequest, standby);

    state.step = 'deploy-standby';
    try {
      await deployColorStep('deploy-standby', input, standby, reporter);
    } catch (error) {
      return endBeforeSwitch('failed', `rollout of ${standby} failed: ${failureMessage(error)}`, standby);
    }
    if (abortRequest) return endBeforeSwitch('aborted', abortRequest, standby);

    state.step = 'smoke-tests';
    const results = await steps.run(
      'smoke-tests',
      () => http.runSmokeChecks({ ...target, checks: input.definition.smokeChecks }),
      (checks) => ({ checks }),
    );
    const failed = results.filter((result) => !result.passed);
    if (failed.length > 0) {
      return endBeforeSwitch('failed', `smoke checks failed: ${failed.map((r) => `${r.name} (${r.reason})`).join('; ')}`, standby);
    }
    if (abortRequest) return endBeforeSwitch('aborted', abortRequest, standby);

    if (input.requireApproval) {
      state.step = 'approval';
      await setStatus('awaiting_approval');
      const decided = await condition(() => decision !== undefined || abortRequest !== undefined, timings.approvalTimeoutMs);
      if (!decided) {
        await steps.note('approval', 'failed', `no decision within ${timings.approvalTimeoutMs} ms`);
        return endBeforeSwitch('aborted', 'approval timed out', standby);
      }
      if (abortRequest) return endBeforeSwitch('aborted', abortRequest, standby);
      const { approved, by } = decision!;
      await steps.note('approval', approved ? 'succeeded' : 'failed', `${approved ? 'approved' : 'rejected'} by ${by.approver}`, {
        approver: by.approver,
        comment: by.comment ?? null,
      });
      if (!approved) return endBeforeSwitch('aborted', `rejected by ${by.approver}`, standby);
      await setStatus('in_progress');
    }

    state.step = 'switch-traffic';
    await steps.run('switch-traffic', () => kube.switchTraffic({ ...target, role: 'stable', color: standby }), (changed) => ({
      to: standby,
      changed,
    }));
    state.trafficColor = standby;
    void notify('switched');

    state.step = 'monitor';
    const verdict = await steps.run('monitor', () => monitor(standby), (result) => ({ ...result.tally, outcome: result.outcome }));
    if (verdict.outcome !== 'healthy') {
      state.step = 'rollback';
      if (!active) {
        // The new colour is all there is: keep it serving and say so, rather than take the service down.
        await setStatus('failed', `${verdict.reason}; first release, no previous colour to roll back to`);
        state.step = 'done';
        return state;
      }
      await CancellationScope.nonCancellable(async () => {
        await steps.run('rollback', () => kube.switchTraffic({ ...target, role: 'stable', color: active }), () => ({ to: active }));
        state.trafficColor = active;
        await kube.switchTraffic({ ...target, role: 'preview', color: standby });
        await switchOffKillFlags(input, verdict.reason ?? 'rolled back', reporter);
        await setStatus('rolled_back', verdict.reason);
      });
      state.step = 'done';
      return state;
    }

    await setStatus('succeeded');
    if (active) {
      // The old colour stays warm for a while so a rollback is one selector switch; a child retires it later.
      await startChild(retireColorWorkflow, {
        // One per release: each checks, when its timer fires, that the colour is still idle at its version.
        workflowId: `retire/${input.workspaceId}/${input.environment}/${input.service}/${input.deploymentId}`,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        taskQueue: workflowInfo().taskQueue,
        args: [{ ...target, color: active, retainMs: timings.retentionMs, lockKey: releaseLockKey(input.service, input.definition) }],
      });
    }
    state.step = 'done';
    return state;
  }

  /** Watches the new colour until the window ends, a promote, or a rollback (requested or earned). */
  async function monitor(standby: Color): Promise<{ outcome: 'healthy' | 'unhealthy' | 'requested'; reason?: string; tally: MonitorTally }> {
    let tally: MonitorTally = { checks: 0, failures: 0, consecutiveFailures: 0 };
    const ends = Date.now() + timings.monitorDurationMs;
    const healthPath = input.definition.healthCheck?.path ?? '/healthz';
    while (Date.now() < ends && !promoted) {
      const wait = Math.min(timings.monitorIntervalMs, Math.max(0, ends - Date.now()));
      if (await condition(() => promoted || rollbackRequest !== undefined || abortRequest !== undefined, wait)) {
        if (promoted) break;
        return { outcome: 'requested', reason: rollbackRequest ?? abortRequest, tally };
      }
      const prometheus = input.definition.prometheus;
      const [probe, pods, metric] = await Promise.all([
        http.probeHealth({ ...target, path: healthPath, timeoutMs: input.definition.healthCheck?.timeoutMs ?? 2_000 }),
        kube.colorPodHealth({ ...target, color: standby }),
        prometheus ? http.queryPrometheus({ ...target, url: prometheus.url, query: prometheus.query }) : Promise.resolve(undefined),
      ]);
      const sample = {
        httpOk: probe.ok,
        reason: probe.reason,
        readyPods: pods.ready,
        desiredPods: input.definition.replicas,
        restarts: pods.restarts,
        metric: prometheus && metric ? { ...metric, threshold: prometheus.threshold, failWhen: prometheus.failWhen } : undefined,
      };
      const next = recordSample(tally, sample, timings.failureThreshold);
      tally = next.tally;
      state.health = { checks: tally.checks, failures: tally.failures, consecutiveFailures: tally.consecutiveFailures, lastReason: tally.lastReason };
      if (next.rollback) {
        return { outcome: 'unhealthy', reason: `${tally.consecutiveFailures} consecutive failed health checks: ${tally.lastReason}`, tally };
      }
    }
    return { outcome: 'healthy', tally };
  }
}

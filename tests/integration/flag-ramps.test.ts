// needs: Postgres, Temporal dev server
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusSearchAttribute } from '../../src/temporal/search-attributes.ts';
import { bindTestWorkspace } from '../support/bindings.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { expectBody } from '../support/api-calls.ts';

// Flag ramps on the real dev server with a worker: the rollout rises step by step with the canary's analysis
// between steps (a fixture metrics endpoint), a failed verdict turns the flag off, abort restores the rollout the
// ramp found, promote skips ahead; each change is a new flag version with an audit row naming the ramp.
let harness: Harness;
let workspace: TestWorkspace;
let metrics: { url: string; errorRate: number; close(): Promise<void> };

async function startMetrics(): Promise<typeof metrics> {
  const state = { errorRate: 0.01 };
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ data: { errorRate: state.errorRate } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/metrics`,
    get errorRate() {
      return state.errorRate;
    },
    set errorRate(value: number) {
      state.errorRate = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  harness = await startHarness();
  workspace = await createTestWorkspace(harness.db, 'ramps');
  await bindTestWorkspace(harness.db, workspace.id, 'local');
  metrics = await startMetrics();
});
afterAll(async () => {
  await metrics?.close();
  await harness?.close();
});


interface Ramp {
  id: string;
  status: string;
  current_pct: number;
  reason: string | null;
  steps: Array<{ name: string; outcome: string }>;
  web_ui_url: string;
  workflow_id: string;
}
interface Feature {
  id: string;
  rollout_pct: number;
  enabled: boolean;
  version: number;
}

const operator = () => workspace.tokens.operator;
const newFlag = async (key: string, rollout = 0) =>
  expectBody<Feature>(await harness.call('POST', '/api/v1/features', { token: operator(), body: checkoutFlag({ key, rollout_pct: rollout, enabled: rollout > 0 }) }), 201);
const analysis = (count = 2) => ({
  analysis: { metrics: [{ name: 'error-rate', provider: { type: 'web', url: metrics.url, jsonPath: 'data.errorRate' }, successCondition: 'result < 0.05', count, intervalMs: 200 }] },
});
const startRamp = async (featureId: string, steps: unknown[], status = 201) =>
  expectBody<Ramp>(await harness.call('POST', `/api/v1/features/${featureId}/ramps`, { token: operator(), body: { steps } }), status);
const readRamp = async (featureId: string, rampId: string) => expectBody<Ramp>(await harness.call('GET', `/api/v1/features/${featureId}/ramps/${rampId}`, { token: workspace.tokens.viewer }), 200);
const readFlag = async (featureId: string) => expectBody<Feature>(await harness.call('GET', `/api/v1/features/${featureId}`, { token: workspace.tokens.viewer }), 200);
const ended = (featureId: string, rampId: string) =>
  eventually(async () => {
    const ramp = await readRamp(featureId, rampId);
    return ['succeeded', 'rolled_back', 'aborted', 'failed'].includes(ramp.status) ? ramp : undefined;
  }, 60_000);

describe('flag ramps', () => {
  it('raises the rollout step by step with an analysis between, recording each step, a version and an audit row per change', async () => {
    metrics.errorRate = 0.01;
    const flag = await newFlag('ramp-good');
    const ramp = await startRamp(flag.id, [{ setRollout: 10 }, { pause: { durationMs: 200 } }, analysis(), { setRollout: 50 }, analysis(1), { setRollout: 100 }]);
    expect(ramp).toMatchObject({ status: 'running', current_pct: 0 });
    expect(ramp.web_ui_url).toContain(encodeURIComponent(ramp.workflow_id));
    const done = await ended(flag.id, ramp.id);
    expect(done).toMatchObject({ status: 'succeeded', current_pct: 100, reason: null });
    expect(done.steps.map((step) => `${step.name}:${step.outcome}`)).toEqual([
      'set-rollout-10:set',
      'pause-1:elapsed',
      'analysis-2:successful',
      'set-rollout-50:set',
      'analysis-4:successful',
      'set-rollout-100:set',
      'end:succeeded',
    ]);
    expect(await readFlag(flag.id)).toMatchObject({ rollout_pct: 100, enabled: true, version: 4 });

    const audit = await expectBody<{ items: Array<{ action: string; actor: string; details: { before: { rollout_pct: number }; after: { rollout_pct: number } } }> }>(
      await harness.call('GET', `/api/v1/features/${flag.id}/audit-log`, { token: workspace.tokens.viewer }),
      200,
    );
    const rollouts = audit.items.filter((item) => item.action === 'feature.rollout').map((item) => [item.details.before.rollout_pct, item.details.after.rollout_pct]);
    expect(rollouts.reverse()).toEqual([[0, 10], [10, 50], [50, 100]]);
    expect(audit.items.find((item) => item.action === 'feature.rollout')?.actor).toContain(`started by ${workspace.name}-operator`);
    expect(audit.items.some((item) => item.action === 'feature.ramp.start')).toBe(true);

    // The run is in Temporal, completed, one setFlagRollout per change.
    const history = await harness.temporal.workflow.getHandle(ramp.workflow_id).fetchHistory();
    const scheduled = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'setFlagRollout');
    expect(scheduled).toHaveLength(3);
    // Visibility says how it ended, so the Web UI's list can be filtered by it.
    const described = await harness.temporal.workflow.getHandle(ramp.workflow_id).describe();
    expect(described.typedSearchAttributes.get(statusSearchAttribute)).toBe('succeeded');
  });

  it('turns the flag off (0%) when an analysis fails: the kill switch', async () => {
    metrics.errorRate = 0.2;
    const flag = await newFlag('ramp-bad');
    const ramp = await startRamp(flag.id, [{ setRollout: 20 }, analysis(1), { setRollout: 100 }]);
    const done = await ended(flag.id, ramp.id);
    expect(done).toMatchObject({ status: 'rolled_back', current_pct: 0 });
    expect(done.reason).toMatch(/analysis failed: error-rate; the flag is off/);
    expect(done.steps.map((step) => step.name)).not.toContain('set-rollout-100');
    // Off means off: the staff rule no longer serves the new variant either.
    expect(await readFlag(flag.id)).toMatchObject({ rollout_pct: 0, enabled: false });
    const staff = await expectBody<{ reason: string; variant: string }>(
      await harness.call('POST', `/api/v1/features/${flag.id}/evaluate`, { token: workspace.tokens.viewer, body: { context: { user_id: 'u-1', email: 'ada@cutover.dev' } } }),
      200,
    );
    expect(staff).toMatchObject({ reason: 'DISABLED', variant: 'classic' });
  });

  it('stops, leaving the flag alone, when someone changes the flag under it; an abort of a disabled flag leaves it disabled', async () => {
    const flag = await newFlag('ramp-taken-over');
    const ramp = await startRamp(flag.id, [{ setRollout: 30 }, { pause: {} }, { setRollout: 60 }]);
    await eventually(async () => ((await readRamp(flag.id, ramp.id)).current_pct === 30 ? true : undefined));
    const current = await readFlag(flag.id);
    const { key: _key, environment: _environment, ...fields } = checkoutFlag();
    await expectBody(await harness.call('PUT', `/api/v1/features/${flag.id}`, { token: operator(), body: { ...fields, rollout_pct: 0, version: current.version } }), 200);
    await expectBody(await harness.call('POST', `/api/v1/features/${flag.id}/ramps/${ramp.id}/promote`, { token: operator(), body: {} }), 202);
    const stopped = await ended(flag.id, ramp.id);
    expect(stopped.status).toBe('aborted');
    expect(stopped.reason).toMatch(/changed outside the ramp.*left it so/);
    expect(await readFlag(flag.id)).toMatchObject({ rollout_pct: 0 });

    const disabled = await newFlag('ramp-disabled');
    expect(disabled.enabled).toBe(false);
    const second = await startRamp(disabled.id, [{ setRollout: 10 }, { pause: {} }]);
    await eventually(async () => ((await readFlag(disabled.id)).enabled ? true : undefined));
    await expectBody(await harness.call('POST', `/api/v1/features/${disabled.id}/ramps/${second.id}/abort`, { token: operator(), body: {} }), 202);
    expect((await ended(disabled.id, second.id)).reason).toMatch(/the flag is back off/);
    expect(await readFlag(disabled.id)).toMatchObject({ rollout_pct: 0, enabled: false });
  });

  it('records a ramp whose workflow was terminated as failed: its controls answer 409, and the flag can be ramped again', async () => {
    const flag = await newFlag('ramp-terminated');
    const ramp = await startRamp(flag.id, [{ setRollout: 10 }, { pause: {} }]);
    await eventually(async () => ((await readRamp(flag.id, ramp.id)).current_pct === 10 ? true : undefined));
    await harness.temporal.workflow.getHandle(ramp.workflow_id).terminate('test: the workflow is gone');
    // A new ramp finds the old one's workflow closed and takes over.
    const next = await startRamp(flag.id, [{ setRollout: 20 }]);
    expect((await readRamp(flag.id, ramp.id)).status).toBe('failed');
    expect(await ended(flag.id, next.id)).toMatchObject({ status: 'succeeded', current_pct: 20 });

    const other = await newFlag('ramp-terminated-2');
    const orphan = await startRamp(other.id, [{ setRollout: 10 }, { pause: {} }]);
    await harness.temporal.workflow.getHandle(orphan.workflow_id).terminate('test');
    const refused = await expectBody<{ error: { message: string } }>(await harness.call('POST', `/api/v1/features/${other.id}/ramps/${orphan.id}/abort`, { token: operator(), body: {} }), 409);
    expect(refused.error.message).toMatch(/no running workflow/);
    expect((await readRamp(other.id, orphan.id)).status).toBe('failed');
  });

  it("masks an analysis' header values and URL credentials in its answers and audit rows", async () => {
    const flag = await newFlag('ramp-secret');
    const metric = { name: 'm', provider: { type: 'web', url: `http://user:pa55word@127.0.0.1:${new URL(metrics.url).port}/metrics`, jsonPath: 'data.errorRate', headers: { authorization: 'Bearer s3cr3t-token' } }, successCondition: 'result < 1' };
    const ramp = await startRamp(flag.id, [{ setRollout: 10 }, { pause: {} }, { analysis: { metrics: [metric] } }]);
    const seen = JSON.stringify(await readRamp(flag.id, ramp.id));
    const audit = JSON.stringify(await expectBody(await harness.call('GET', `/api/v1/features/${flag.id}/audit-log`, { token: workspace.tokens.viewer }), 200));
    for (const text of [seen, audit]) {
      expect(text).not.toContain('s3cr3t-token');
      expect(text).not.toContain('pa55word');
      expect(text).toContain('********');
    }
    await expectBody(await harness.call('POST', `/api/v1/features/${flag.id}/ramps/${ramp.id}/abort`, { token: operator(), body: {} }), 202);
    await ended(flag.id, ramp.id);
  });

  it('aborts back to the rollout it found, promotes past a pause, and refuses a second ramp, a lowering plan and a URL outside the binding', async () => {
    metrics.errorRate = 0.01;
    const flag = await newFlag('ramp-abort', 5);
    const ramp = await startRamp(flag.id, [{ setRollout: 30 }, { pause: {} }, { setRollout: 100 }]);
    await eventually(async () => ((await readRamp(flag.id, ramp.id)).current_pct === 30 ? true : undefined));
    const second = await expectBody<{ error: { message: string; details: { ramp_id: string } } }>(
      await harness.call('POST', `/api/v1/features/${flag.id}/ramps`, { token: operator(), body: { steps: [{ setRollout: 100 }] } }),
      409,
    );
    expect(second.error.details.ramp_id).toBe(ramp.id);
    await expectBody(await harness.call('POST', `/api/v1/features/${flag.id}/ramps/${ramp.id}/abort`, { token: workspace.tokens.viewer, body: {} }), 403);
    await expectBody(await harness.call('POST', `/api/v1/features/${flag.id}/ramps/${ramp.id}/abort`, { token: operator(), body: { reason: 'wrong day' } }), 202);
    const aborted = await ended(flag.id, ramp.id);
    expect(aborted).toMatchObject({ status: 'aborted', current_pct: 5 });
    expect(aborted.reason).toMatch(/the flag is back at 5%/);
    expect(aborted.reason).toMatch(/aborted by .*: wrong day/);
    expect(await readFlag(flag.id)).toMatchObject({ rollout_pct: 5 });
    await expectBody(await harness.call('POST', `/api/v1/features/${flag.id}/ramps/${ramp.id}/promote`, { token: operator(), body: {} }), 409);

    const promoted = await startRamp(flag.id, [{ setRollout: 10 }, { pause: {} }, { setRollout: 60 }]);
    await eventually(async () => ((await readRamp(flag.id, promoted.id)).current_pct === 10 ? true : undefined));
    await expectBody(await harness.call('POST', `/api/v1/features/${flag.id}/ramps/${promoted.id}/promote`, { token: operator(), body: {} }), 202);
    expect(await ended(flag.id, promoted.id)).toMatchObject({ status: 'succeeded', current_pct: 60 });

    const lowering = await expectBody<{ error: { code: string } }>(await harness.call('POST', `/api/v1/features/${flag.id}/ramps`, { token: operator(), body: { steps: [{ setRollout: 40 }] } }), 422);
    expect(lowering.error.code).toBe('validation_failed');
    await startRamp(flag.id, [{ setRollout: 70 }, { setRollout: 65 }], 422);
    const outside = await expectBody<{ error: { code: string } }>(
      await harness.call('POST', `/api/v1/features/${flag.id}/ramps`, {
        token: operator(),
        body: { steps: [{ setRollout: 80 }, { analysis: { metrics: [{ name: 'm', provider: { type: 'web', url: 'http://10.20.30.40/metrics' }, successCondition: 'result < 1' }] } }] },
      }),
      403,
    );
    expect(outside.error.code).toBe('outside_binding');
    const list = await expectBody<{ items: Ramp[] }>(await harness.call('GET', `/api/v1/features/${flag.id}/ramps`, { token: workspace.tokens.viewer }), 200);
    expect(list.items.map((item) => item.status)).toEqual(['succeeded', 'aborted']);
    expect(await readFlag(flag.id)).toMatchObject({ rollout_pct: 60 });
  });
});

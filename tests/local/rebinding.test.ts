// needs: Postgres, Temporal dev server, the local target (real processes)
import { count, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { BindingPolicy } from '../../src/bindings/policy.ts';
import { deployments } from '../../src/db/schema/index.ts';
import { bindTestWorkspace, testPolicy } from '../support/bindings.ts';
import { eventually } from '../support/harness.ts';
import { postRelease } from '../support/deployment-waits.ts';
import { localTimings, useLocalReleaseFixture } from '../support/local-release.ts';
import { sampleRelease } from '../support/local-supervisor.ts';

// The activity side of a narrowed binding on this machine: a release, or a retirement, that started while the
// service's ports were inside the workspace's range goes on running in Temporal after a platform admin narrows
// the range. The activities check the ports again where they act, so the switch fails for good (BoundaryViolation)
// with traffic where it was, and the retirement scales nothing. A rollback that would release the previous version
// again is checked like a new release.

const { ctx, register, release, until, serving } = useLocalReleaseFixture('rebind');

/** Narrows (or widens) the local binding of every environment of the test's workspace. */
const bindLocal = (policy: Partial<BindingPolicy>) => bindTestWorkspace(ctx.harness.db, ctx.workspace.id, 'local', { ...testPolicy.local, ...policy });
/** A range that holds none of the free ports a service is given. */
const elsewhere = { localPorts: { from: 1024, to: 1024 } };
// Each test narrows the binding for itself; the next one starts from the workspace's usual binding.
afterEach(() => bindLocal({}));

const asOperator = (method: string, path: string, body?: unknown) => ctx.harness.call(method, path, { token: ctx.workspace.tokens.operator, body });

/** The failure types from a workflow failure down to its root (activity failure, then the application's). */
function failureTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let at = error as { cause?: unknown; type?: unknown } | undefined; at; at = at.cause as typeof at) {
    if (typeof at.type === 'string') types.push(at.type);
  }
  return types;
}

/**
 * How the retirement a successful release started for its previous colour ended: its result, or the failure.
 * The release is recorded as succeeded just before it starts the retirement, so this waits for it to exist.
 */
async function retirement(service: string, deploymentId: string): Promise<unknown> {
  const handle = ctx.harness.temporal.workflow.getHandle(`retire/${ctx.workspace.id}/staging/${service}/${deploymentId}`);
  await eventually(() => handle.describe());
  return handle.result().catch((error: unknown) => error);
}

describe('a release whose ports leave the binding while it waits for approval', () => {
  it('fails at the switch with BoundaryViolation; traffic stays on the old version', async () => {
    const ports = await register('rebind-switch');
    expect((await until((await release('rebind-switch', '1.0.0')).id)).status).toBe('succeeded');
    expect(await serving(ports.port)).toMatchObject({ status: 200, version: '1.0.0' });

    const second = await postRelease(ctx.harness, ctx.workspace.tokens.operator, {
      service: 'rebind-switch',
      version: '2.0.0',
      image: sampleRelease('2.0.0'),
      strategy: 'blue-green',
      options: { requireApproval: true, timings: localTimings },
    });
    await until(second.id, ['awaiting_approval']);
    await bindLocal(elsewhere);
    const approved = await asOperator('POST', `/api/v1/deployments/${second.id}/approve`, { approver: 'ada', confirm: 'rebind-switch' });
    expect(approved.status, await approved.clone().text()).toBe(200);

    const done = await until(second.id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(/switch-traffic: outside the binding: definition\.local\.port: port \d+ is outside the binding's local port range \(1024-1024\)/);
    expect(done.steps.find((step) => step.step === 'switch-traffic')?.status).toBe('failed');
    const workflowFailure: unknown = await ctx.harness.temporal.workflow.getHandle(done.workflow_id).result().catch((error: unknown) => error);
    expect(failureTypes(workflowFailure)).toContain('BoundaryViolation');
    expect(await serving(ports.port), 'traffic did not move').toMatchObject({ status: 200, version: '1.0.0' });

    // Bound again, the same service's instant switch passes the check (blue serves already: nothing to move).
    await bindLocal({});
    const switched = await asOperator('POST', '/api/v1/services/rebind-switch/switch', { environment: 'staging', to: 'blue', confirm: 'rebind-switch' });
    expect(switched.status, await switched.clone().text()).toBe(200);
  });
});

describe('a retirement scheduled before the binding narrowed', () => {
  it('scales nothing: the old colour keeps running', async () => {
    const ports = await register('rebind-retire');
    expect((await until((await release('rebind-retire', '1.0.0')).id)).status).toBe('succeeded');
    const second = await until((await release('rebind-retire', '2.0.0', { retentionMs: 3_000 })).id);
    expect(second.status).toBe('succeeded');
    await bindLocal(elsewhere);

    const outcome = await retirement('rebind-retire', second.id);
    expect(failureTypes(outcome), JSON.stringify(outcome)).toContain('BoundaryViolation');
    // Blue ran 1.0.0 before the switch; its process still answers on its own port.
    expect(await serving(ports.blue)).toMatchObject({ status: 200, version: '1.0.0' });
    expect(await serving(ports.port)).toMatchObject({ status: 200, version: '2.0.0' });
  });
});

describe('a rollback to a cold colour after the binding narrowed', () => {
  it('is refused like a new release (403 outside_binding), and starts nothing', async () => {
    const ports = await register('rebind-rollback');
    expect((await until((await release('rebind-rollback', '1.0.0')).id)).status).toBe('succeeded');
    const second = await until((await release('rebind-rollback', '2.0.0', { retentionMs: 200 })).id);
    expect(second.status).toBe('succeeded');
    expect(await retirement('rebind-rollback', second.id)).toEqual({ retired: true });

    // The ports stay bound (an instant switch would pass), but the release the rollback needs would run commands.
    await bindLocal({ localCommands: false });
    const releases = async () => (await ctx.harness.db.select({ n: count() }).from(deployments).where(eq(deployments.workspaceId, ctx.workspace.id)))[0]!.n;
    const before = await releases();
    const response = await asOperator('POST', '/api/v1/services/rebind-rollback/rollback', { environment: 'staging' });
    const answer = (await response.json()) as { error?: { code: string; details?: Array<{ rule: string; path: string }> } };
    expect(response.status, JSON.stringify(answer)).toBe(403);
    expect(answer.error?.code).toBe('outside_binding');
    expect(answer.error?.details?.map((found) => found.rule)).toContain('local-commands-off');
    expect(await releases(), 'no release started').toBe(before);
    expect(await serving(ports.port)).toMatchObject({ status: 200, version: '2.0.0' });
  });
});

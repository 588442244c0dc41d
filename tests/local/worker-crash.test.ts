// needs: Postgres, Temporal dev server, the local target (real processes; worker processes of its own)
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { blueGreenWorkflow } from '../../src/workflows/blue-green.ts';
import { eventually } from '../support/harness.ts';
import { steadyLoad, useLocalReleaseFixture } from '../support/local-release.ts';
import { spawnWorker } from '../support/spawn-worker.ts';

// No worker in the test process: releases run on a worker process that the test kills with SIGKILL.
const { ctx, register, release, canary, control, untilStep, until, serving } = useLocalReleaseFixture('local-crash', { worker: false });
const workers: ChildProcess[] = [];

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = await spawnWorker(ctx.harness.taskQueue, {
    TEST_SUPERVISOR_DIR: ctx.supervisor.dataDir,
    TEST_SUPERVISOR_PORT: String(ctx.supervisor.port),
  });
  workers.push(child);
  return child;
}

afterAll(() => {
  for (const worker of workers) worker.kill('SIGKILL');
});

describe('a worker killed in the middle of a local release', () => {
  it('leaves traffic served by the supervisor, and a new worker finishes the run with one switch', async () => {
    const ports = await register('durable');
    const first = await startWorkerProcess();
    expect((await until((await release('durable', '1.0.0')).id)).status).toBe('succeeded');

    const load = steadyLoad(ports.port, 5);
    const second = await release('durable', '2.0.0', { monitorDurationMs: 6_000, monitorIntervalMs: 250 });
    await eventually(async () => {
      const response = await ctx.harness.call('GET', `/api/v1/deployments/${second.id}`, { token: ctx.workspace.tokens.viewer });
      const body = (await response.json()) as { steps: Array<{ step: string; status: string }> };
      return body.steps.some((step) => step.step === 'monitor' && step.status === 'started') ? true : undefined;
    }, 60_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    // No worker at all for a while: the supervisor (not a child of the worker) keeps serving the new version.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await serving(ports.port)).toEqual({ status: 200, version: '2.0.0', color: 'green' });

    await startWorkerProcess();
    const result = await ctx.harness.temporal.workflow.getHandle<typeof blueGreenWorkflow>(second.workflow_id).result();
    const tally = await load.stop();
    expect(result).toMatchObject({ status: 'succeeded', trafficColor: 'green' });
    expect(tally.failures).toEqual([]);
    expect(tally.sent).toBeGreaterThan(100);

    // The new worker replayed the switch from history instead of doing it again.
    const history = await ctx.harness.temporal.workflow.getHandle(second.workflow_id).fetchHistory();
    const switches = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'switchTraffic');
    // One preview switch while deploying, one stable switch.
    expect(switches).toHaveLength(2);
    expect((await until(second.id)).status).toBe('succeeded');
  });

  it('keeps the split of a paused canary while no worker runs, and a new worker carries the canary on', async () => {
    const ports = await register('paused');
    const first = await startWorkerProcess();
    expect((await until((await release('paused', '1.0.0')).id)).status).toBe('succeeded');
    const run = await canary('paused', '2.0.0', [{ setWeight: 50 }, { pause: { durationMs: 4_000 } }, { setWeight: 100 }]);
    await untilStep(run.id, 'step-2-pause');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    // The split stays as the last step set it: both versions answer.
    const versions = new Set<string | undefined>();
    for (let i = 0; i < 40; i += 1) versions.add((await serving(ports.port)).version);
    expect(versions).toEqual(new Set(['1.0.0', '2.0.0']));

    await startWorkerProcess();
    const done = await until(run.id);
    expect(done.status).toBe('succeeded');
    // The pause's durable timer ran on; each weight step ran once.
    expect(done.steps.filter((step) => step.step.includes('set-weight') && step.status === 'succeeded').map((step) => step.step)).toEqual([
      'step-1-set-weight-50',
      'step-3-set-weight-100',
    ]);
    expect(await serving(ports.port)).toMatchObject({ version: '2.0.0', color: 'green' });
    expect(await control(run.id, 'promote')).toBe(409);
  });
});

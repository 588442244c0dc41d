// needs: Postgres, Temporal dev server
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeCodes, jsonLines, runCli, serveForCli } from '../support/cli.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// The CLI's jobs commands end to end: cutover → API → Temporal Schedule → workload on the harness's worker.

let harness: Harness;
let workspace: TestWorkspace;
let server: Awaited<ReturnType<typeof serveForCli>>;

beforeAll(async () => {
  harness = await startHarness();
  workspace = await createTestWorkspace(harness.db, 'cli-jobs');
  server = await serveForCli(harness.app);
});
afterAll(async () => {
  await server?.close();
  await harness?.close();
});

describe('cutover jobs', () => {
  it('lists a job, triggers it, shows its runs and prints its log, in plain lines and in JSON', async () => {
    const env = { CUTOVER_URL: server.url, CUTOVER_TOKEN: workspace.tokens.operator };
    const name = `cli-echo-${Date.now().toString(36)}`;
    const created = await harness.call('POST', '/api/v1/ops/jobs', {
      token: workspace.tokens.operator,
      body: { name, schedule: { cron: '0 0 1 1 *' }, workload: { type: 'local', command: ['sh', '-c', 'echo hello from the job; echo to stderr >&2'] } },
    });
    expect(created.status, await created.clone().text()).toBe(201);

    const list = await runCli(['jobs', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(list.stdout).not.toMatch(escapeCodes);

    const triggered = await runCli(['jobs', 'trigger', name, '--output', 'json'], env);
    expect(triggered.code, triggered.stderr).toBe(0);
    const runId = (jsonLines(triggered.stdout)[0] as { run_id: string }).run_id;
    expect(runId).toBeTruthy();

    const finished = await eventually(async () => {
      const runs = await runCli(['jobs', 'runs', name, '--output', 'json'], env);
      const items = (jsonLines(runs.stdout)[0] as { items: Array<{ id: string; status: string; exit_code: number | null }> }).items;
      const run = items.find((item) => item.id === runId);
      return run && !['pending', 'running'].includes(run.status) ? run : undefined;
    }, 60_000);
    expect(finished).toMatchObject({ status: 'succeeded', exit_code: 0 });

    const logs = await runCli(['jobs', 'logs', name], env);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello from the job');
    expect(logs.stdout).toContain('[stderr] to stderr');

    const runs = await runCli(['jobs', 'runs', name], env);
    expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+succeeded\\s+manual`, 'm'));
  }, 120_000);

  it('follows a running job\'s log with logs -f until the run ends: exit 0 when it succeeded, 1 when it failed', async () => {
    const env = { CUTOVER_URL: server.url, CUTOVER_TOKEN: workspace.tokens.operator };
    const create = async (name: string, script: string) => {
      const created = await harness.call('POST', '/api/v1/ops/jobs', {
        token: workspace.tokens.operator,
        body: { name, schedule: { cron: '0 0 1 1 *' }, workload: { type: 'local', command: ['sh', '-c', script] } },
      });
      expect(created.status, await created.clone().text()).toBe(201);
    };
    const suffix = Date.now().toString(36);
    // The lines come over about two seconds, so -f attaches while the run is still going.
    await create(`cli-follow-${suffix}`, 'for i in 1 2 3 4; do echo tick $i; sleep 0.5; done; echo done >&2');
    const triggered = await runCli(['jobs', 'trigger', `cli-follow-${suffix}`, '--output', 'json'], env);
    const runId = (jsonLines(triggered.stdout)[0] as { run_id: string }).run_id;
    const followed = await runCli(['jobs', 'logs', `cli-follow-${suffix}`, runId, '-f'], env, { timeoutMs: 60_000 });
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).not.toMatch(escapeCodes);
    expect(followed.stdout.trim().split('\n')).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', '[stderr] done', `run ${runId} succeeded`]);

    await create(`cli-follow-fail-${suffix}`, 'echo about to fail; sleep 1; exit 3');
    const second = await runCli(['jobs', 'trigger', `cli-follow-fail-${suffix}`, '--output', 'json'], env);
    const failedRun = (jsonLines(second.stdout)[0] as { run_id: string }).run_id;
    const failed = await runCli(['jobs', 'logs', `cli-follow-fail-${suffix}`, failedRun, '-f', '--output', 'json'], env, { timeoutMs: 60_000 });
    expect(failed.code, failed.stderr).toBe(1);
    const events = jsonLines(failed.stdout) as { type: string; data: { line?: string; status?: string } }[];
    expect(events.find((event) => event.type === 'line')?.data.line).toBe('about to fail');
    expect(events.at(-1)).toMatchObject({ type: 'end', data: { status: 'failed' } });
  }, 120_000);

  it('exits 8 for a job that does not exist, and 6 when a viewer triggers one', async () => {
    const viewer = { CUTOVER_URL: server.url, CUTOVER_TOKEN: workspace.tokens.viewer };
    expect((await runCli(['jobs', 'runs', 'no-such-job'], viewer)).code).toBe(8);
    const created = await harness.call('POST', '/api/v1/ops/jobs', {
      token: workspace.tokens.operator,
      body: { name: `cli-viewer-${Date.now().toString(36)}`, schedule: { cron: '0 0 1 1 *' }, workload: { type: 'local', command: ['true'] } },
    });
    const { name } = (await created.json()) as { name: string };
    expect((await runCli(['jobs', 'trigger', name], viewer)).code).toBe(6);
  });
});

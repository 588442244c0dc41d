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

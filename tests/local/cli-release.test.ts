// needs: Postgres, Temporal dev server, the local target (real processes)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentSchema, deploymentStepSchema } from '../../src/api/serializers/deployments.ts';
import { cliHome, escapeCodes, jsonLines, runCli, serveForCli } from '../support/cli.ts';
import { localPorts, sampleRelease } from '../support/local-supervisor.ts';
import { localDefinition, localTimings, useLocalReleaseFixture } from '../support/local-release.ts';

// Every command runs as the real `cutover` binary, over HTTP, against the real API, worker, Temporal and local
// target; one release per outcome, with the short timings of the other local tests.
const { ctx } = useLocalReleaseFixture('cli-release');
let server: Awaited<ReturnType<typeof serveForCli>>;
let env: Record<string, string>;

beforeAll(async () => {
  server = await serveForCli(ctx.harness.app);
  env = { CUTOVER_URL: server.url, CUTOVER_TOKEN: ctx.workspace.tokens.operator, CUTOVER_APPROVER: 'ada' };
});
afterAll(() => server?.close());

const cli = (...args: string[]) => runCli(args, env, { timeoutMs: 90_000 });
const options = (extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, timings: { ...localTimings, ...((extra.timings as object) ?? {}) } });
type Version = '1.0.0' | '2.0.0' | '3.0.0';
const release = (service: string, version: Version, ...args: string[]) =>
  cli('release', service, version, '--env', 'staging', '--image', sampleRelease(version), ...args);

/** Registers a local service from a definition file through `cutover services register`. */
async function register(name: string, extra: Record<string, unknown> = {}) {
  const file = path.join(cliHome(), `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, environment: 'staging', definition: { ...localDefinition(await localPorts()), ...extra } }));
  const result = await cli('services', 'register', file);
  expect(result.code, result.stderr).toBe(0);
}

const finalBody = deploymentSchema.extend({ steps: z.array(deploymentStepSchema) }).strict();

describe('cutover release --wait and its exit codes', () => {
  it('follows a release that succeeds (plain lines, then JSON), and one the monitor rolls back (exit 3)', async () => {
    await register('cli-ok');
    const first = await release('cli-ok', '1.0.0', '--wait', '--options', options());
    expect(first.code, first.stderr + first.stdout).toBe(0);
    // No terminal: one line per event, no cursor codes or colour, and the Web UI link.
    expect(first.stdout).not.toMatch(escapeCodes);
    expect(first.stdout).toMatch(/^Temporal Web UI: http:\/\/localhost:8233\/namespaces\/default\/workflows\/release%2F/m);
    expect(first.stdout).toMatch(/step smoke-tests succeeded .*health ✔/);
    expect(first.stdout).toMatch(/step switch-traffic succeeded/);
    expect(first.stdout.trim().split('\n').at(-1)).toMatch(/^cli-ok 1\.0\.0 succeeded after .* \(exit 0\)$/);

    const second = await release('cli-ok', '2.0.0', '--wait', '--output', 'json', '--options', options());
    expect(second.code, second.stderr).toBe(0);
    const lines = jsonLines(second.stdout);
    const steps = lines.filter((event) => event.type === 'step');
    expect(steps.length).toBeGreaterThan(4);
    for (const event of steps) expect(deploymentStepSchema.strict().safeParse(event.step).error).toBeUndefined();
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: 'result', outcome: 'succeeded', exit_code: 0 });
    expect(finalBody.safeParse(result.deployment).error).toBeUndefined();
    expect(lines.some((event) => event.type === 'end')).toBe(true);

    // 3.0.0 passes its smoke checks, then fails every request: the monitor moves traffic back.
    const third = await release('cli-ok', '3.0.0', '--wait', '--options', options({ timings: { monitorDurationMs: 15_000, monitorIntervalMs: 300 } }));
    expect(third.code, third.stdout).toBe(3);
    expect(third.stdout).toMatch(/rolled_back: .*consecutive failed health checks/);

    // status exits with the newest release's outcome, like `kubectl argo rollouts status`.
    expect((await cli('status', 'cli-ok', '--env', 'staging')).code).toBe(3);
    const history = await cli('history', 'cli-ok', '--env', 'staging', '--output', 'json');
    expect((jsonLines(history.stdout)[0]!.items as { version: string; status: string }[]).map((item) => [item.version, item.status])).toEqual([
      ['3.0.0', 'rolled_back'],
      ['2.0.0', 'succeeded'],
      ['1.0.0', 'succeeded'],
    ]);
  });

  it('exits 1 when a smoke check fails', async () => {
    await register('cli-smoke', { smokeChecks: [{ name: 'status', path: '/healthz', jsonPath: 'status', equals: 'not-ok' }] });
    const failed = await release('cli-smoke', '1.0.0', '--wait', '--options', options());
    expect(failed.code, failed.stdout).toBe(1);
    expect(failed.stdout).toMatch(/step smoke-tests succeeded .*status ✖/);
    expect(failed.stdout).toMatch(/failed: smoke checks failed/);
  });

  it('exits 5 when approval does not come within --timeout; approve (typed name), --until paused, abort and reject (exit 4)', async () => {
    await register('cli-gate');
    const waiting = await release('cli-gate', '1.0.0', '--wait', '--timeout', '3s', '--options', options({ requireApproval: true }));
    expect(waiting.code, waiting.stdout).toBe(5);
    expect(waiting.stdout).toMatch(/status awaiting_approval/);
    expect(waiting.stdout).toMatch(/timed out: cli-gate 1\.0\.0 is still awaiting_approval/);

    // Without a terminal the typed name must come as --confirm; a wrong one is the API's 422.
    expect((await cli('approve', 'cli-gate', '--env', 'staging')).code).toBe(2);
    expect((await cli('approve', 'cli-gate', '--env', 'staging', '--confirm', 'cli-other')).code).toBe(8);
    const approved = await cli('approve', 'cli-gate', '--env', 'staging', '--confirm', 'cli-gate');
    expect(approved.code, approved.stderr).toBe(0);
    const watched = await cli('status', 'cli-gate', '--env', 'staging', '--watch');
    expect(watched.code, watched.stdout).toBe(0);
    expect(watched.stdout).toMatch(/step approval succeeded .*approved by ada/);

    const paused = await release('cli-gate', '2.0.0', '--until', 'paused', '--options', options({ requireApproval: true }));
    expect(paused.code, paused.stdout).toBe(0);
    expect(paused.stdout).toMatch(/reached paused: awaiting_approval/);
    expect((await cli('abort', 'cli-gate', '--env', 'staging', '--reason', 'not today')).code).toBe(0);
    const aborted = await cli('status', 'cli-gate', '--env', 'staging', '--watch', '--output', 'json');
    expect(aborted.code).toBe(4);
    expect(jsonLines(aborted.stdout).at(-1)).toMatchObject({ outcome: 'aborted', exit_code: 4, deployment: { reason: expect.stringMatching(/^aborted by cli-release-.*-operator: not today$/) as unknown } });

    // A rejection ends the release before the switch, like an abort (exit 4), and names who rejected it.
    expect((await release('cli-gate', '3.0.0', '--until', 'paused', '--options', options({ requireApproval: true }))).code).toBe(0);
    expect((await cli('reject', 'cli-gate', '--env', 'staging')).code).toBe(2);
    const rejected = await cli('reject', 'cli-gate', '--env', 'staging', '--confirm', 'cli-gate', '--comment', 'numbers look off');
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/^rejected cli-gate 3\.0\.0 in staging \(/);
    const ended = await cli('status', 'cli-gate', '--env', 'staging', '--watch', '--output', 'json');
    expect(ended.code, ended.stdout).toBe(4);
    expect(jsonLines(ended.stdout).at(-1)).toMatchObject({ outcome: 'aborted', exit_code: 4, deployment: { version: '3.0.0', status: 'aborted', reason: expect.stringMatching(/^rejected by ada/) as unknown } });
    // Traffic stayed on what 1.0.0 switched to.
    const history = jsonLines((await cli('history', 'cli-gate', '--env', 'staging', '--output', 'json')).stdout)[0]!.items as { version: string; status: string }[];
    expect(history.map((item) => [item.version, item.status])).toEqual([
      ['3.0.0', 'aborted'],
      ['2.0.0', 'aborted'],
      ['1.0.0', 'succeeded'],
    ]);
  });

  it('promotes at --until switched, then switches, rolls back and splits traffic outside a release', async () => {
    await register('cli-traffic');
    expect((await release('cli-traffic', '1.0.0', '--wait', '--options', options())).code).toBe(0);
    const switched = await release('cli-traffic', '2.0.0', '--until', 'switched', '--options', options({ timings: { monitorDurationMs: 120_000 } }));
    expect(switched.code, switched.stdout).toBe(0);
    expect(switched.stdout).toMatch(/reached switched: in_progress/);
    expect((await cli('promote', 'cli-traffic', '--env', 'staging')).code).toBe(0);
    const done = await cli('status', 'cli-traffic', '--env', 'staging', '--watch', '--timeout', '30s');
    expect(done.code, done.stdout).toBe(0);

    const traffic = async () => jsonLines((await cli('traffic', 'get', 'cli-traffic', '--env', 'staging', '--output', 'json')).stdout)[0]!.weights;
    expect(await traffic()).toEqual({ blue: 0, green: 100 });
    expect((await cli('switch', 'cli-traffic', '--env', 'staging', '--to', 'blue', '--confirm', 'cli-traffic')).code).toBe(0);
    expect(await traffic()).toEqual({ blue: 100, green: 0 });
    const back = await cli('rollback', 'cli-traffic', '--env', 'staging');
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/traffic back on green/);
    const split = await cli('traffic', 'set', 'cli-traffic', '30/70', '--env', 'staging');
    expect(split.code, split.stderr).toBe(0);
    expect(await traffic()).toEqual({ blue: 30, green: 70 });
  });
});

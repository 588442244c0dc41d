// needs: nothing (short local processes in a temporary folder; the Job is only built)
import { chmod, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bindingPolicySchema } from '../../src/bindings/policy.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseBackupRunner, dumpFileName, dumpNamePattern } from '../../src/ops/workloads/database-backup.ts';
import { buildJob, jobObjectName, jobState } from '../../src/ops/workloads/kubernetes.ts';
import { localRunner } from '../../src/ops/workloads/local.ts';
import { maxLineLength, runProcess } from '../../src/ops/workloads/process.ts';
import { manualNominalTime, runWorkflowId } from '../../src/ops/schedules.ts';
import type { WorkloadContext } from '../../src/ops/workloads/types.ts';

function collect(signal: AbortSignal, jobName = 'nightly') {
  const lines: Array<[string, string]> = [];
  /** When each heartbeat came (ms since the epoch). */
  const beats: number[] = [];
  const context: WorkloadContext = {
    workspaceId: 'ws',
    runId: '0123456789abcdef',
    jobName,
    attempt: 1,
    onLine: (stream, line) => lines.push([stream, line]),
    signal,
    heartbeat: () => beats.push(Date.now()),
  };
  return { lines, beats, context };
}

/** The longest silence between the start, each heartbeat and the end: what a heartbeat timeout would see. */
function longestSilence(started: number, beats: number[], ended: number): number {
  const times = [started, ...beats, ended];
  return Math.max(...times.slice(1).map((time, i) => time - (times[i] ?? time)));
}

/** A heartbeat timeout far shorter than the work, as a test's workflow would set it. */
const shortHeartbeatTimeoutMs = 2_000;

describe('runProcess', () => {
  it('hands over stdout and stderr line by line and resolves with the exit code', async () => {
    const { lines, context } = collect(new AbortController().signal);
    const result = await runProcess({ command: ['sh', '-c', 'echo a; echo b >&2; printf c; exit 7'], env: {} }, context);
    expect(result).toEqual({ exitCode: 7 });
    expect(lines).toEqual(expect.arrayContaining([['stdout', 'a'], ['stderr', 'b'], ['stdout', 'c']]));
  });

  it('stops the whole process group on abort (128 + SIGTERM)', async () => {
    const controller = new AbortController();
    const { context } = collect(controller.signal);
    const started = Date.now();
    const run = runProcess({ command: ['sh', '-c', 'sleep 30 & sleep 30; wait'], env: {} }, context);
    setTimeout(() => controller.abort(), 200);
    expect(await run).toEqual({ exitCode: 143 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cuts very long lines', async () => {
    const { lines, context } = collect(new AbortController().signal);
    await runProcess({ command: ['sh', '-c', `head -c ${maxLineLength + 100} /dev/zero | tr '\\0' x`], env: {} }, context);
    expect(lines[0]?.[1]).toHaveLength(maxLineLength + 1);
  });

  it('passes only the given environment', async () => {
    const { lines, context } = collect(new AbortController().signal);
    await runProcess({ command: ['/usr/bin/env'], env: { ONLY: 'this' } }, context);
    expect(lines).toEqual([['stdout', 'ONLY=this']]);
  });

  it('heartbeats while a process runs longer than the heartbeat timeout', async () => {
    const { beats, context } = collect(new AbortController().signal);
    const started = Date.now();
    expect(await runProcess({ command: ['sleep', '3'], env: {} }, context)).toEqual({ exitCode: 0 });
    const ended = Date.now();
    expect(ended - started).toBeGreaterThan(shortHeartbeatTimeoutMs);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(longestSilence(started, beats, ended)).toBeLessThan(shortHeartbeatTimeoutMs * 0.75);
    // No heartbeat after the process ended.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(beats.every((beat) => beat <= ended)).toBe(true);
  });

  it('refuses a command that does not exist, for good', async () => {
    const { context } = collect(new AbortController().signal);
    await expect(runProcess({ command: ['/no/such/tool'], env: {} }, context)).rejects.toMatchObject({ retryable: false });
  });
});

describe('long hooks heartbeat', () => {
  it('a local migration sleeping past the heartbeat timeout heartbeats throughout and succeeds', async () => {
    const { beats, context } = collect(new AbortController().signal, 'orders-migration');
    const started = Date.now();
    const result = await localRunner({ enabled: true }).run({ type: 'local', command: ['sh', '-c', 'sleep 3'] }, context);
    const ended = Date.now();
    expect(result).toEqual({ exitCode: 0 });
    expect(ended - started).toBeGreaterThan(shortHeartbeatTimeoutMs);
    expect(longestSilence(started, beats, ended)).toBeLessThan(shortHeartbeatTimeoutMs * 0.75);
  });
});

describe('database backups', () => {
  let dir: string;
  let savedPath: string | undefined;
  const binding = {
    id: 'b',
    workspaceId: 'w',
    environment: '*',
    target: { id: 't', name: 'local', kind: 'local' as const },
    policy: bindingPolicySchema.parse({ databases: { orders: { urlEnv: 'ORDERS_DB' } } }),
  };
  const env = { ORDERS_DB: 'postgres://app:secret@127.0.0.1:1/orders' };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-backup-'));
    // A stand-in pg_dump (no database needed): takes its time, then writes the file it was asked for.
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    const fake = path.join(bin, 'pg_dump');
    await writeFile(fake, '#!/bin/sh\nsleep "$(cat "$(dirname "$0")/seconds" 2>/dev/null || echo 0)"\nfor arg; do case "$arg" in --file=*) echo dump > "${arg#--file=}";; esac; done\n');
    await chmod(fake, 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
  });

  afterEach(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  /** A dump file of a job, made `ageMinutes` ago. */
  async function oldDump(folder: string, jobName: string, ageMinutes: number, runId: string): Promise<string> {
    const at = new Date(Date.now() - ageMinutes * 60_000);
    const name = dumpFileName(jobName, at, runId);
    await writeFile(path.join(folder, name), 'old');
    await utimes(path.join(folder, name), at, at);
    return name;
  }

  it("rotates only the job's own dumps and leaves other jobs' dumps in the same folder", async () => {
    const folder = path.join(dir, 'dumps');
    await mkdir(folder);
    const ordersOld = [await oldDump(folder, 'orders-backup', 30, 'aaaaaaa1'), await oldDump(folder, 'orders-backup', 20, 'aaaaaaa2')];
    const billing = [
      await oldDump(folder, 'billing-backup', 50, 'bbbbbbb1'),
      await oldDump(folder, 'billing-backup', 40, 'bbbbbbb2'),
      await oldDump(folder, 'billing-backup', 10, 'bbbbbbb3'),
    ];
    // A job whose name starts like this one's is another job.
    const prefixed = await oldDump(folder, 'orders-backup-eu', 60, 'ccccccc1');
    await writeFile(path.join(folder, 'notes.txt'), 'not a dump');

    const { lines, context } = collect(new AbortController().signal, 'orders-backup');
    const result = await databaseBackupRunner({ env }).run(
      { type: 'database-backup', database: 'orders', directory: folder, keep: 2 },
      { ...context, binding },
    );
    expect(result).toEqual({ exitCode: 0 });
    const left = await readdir(folder);
    // Every other job's dump is still there, whatever its age.
    expect(left).toEqual(expect.arrayContaining([...billing, prefixed, 'notes.txt']));
    const fresh = left.filter((name) => dumpNamePattern('orders-backup').test(name) && !ordersOld.includes(name));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatch(/^cutover-orders-backup-\d{8}T\d{6}Z-01234567\.dump$/);
    // keep 2: the new dump and the newest old one of this job; the oldest of this job goes, nobody else's.
    expect(left.sort()).toEqual([...billing, prefixed, ordersOld[1], fresh[0], 'notes.txt'].sort());
    expect(lines).toContainEqual(['stdout', `deleted old dump ${ordersOld[0]}`]);
  });

  it('heartbeats while pg_dump runs longer than the heartbeat timeout', async () => {
    await writeFile(path.join(dir, 'bin', 'seconds'), '3');
    const { beats, context } = collect(new AbortController().signal, 'orders-backup');
    const started = Date.now();
    const result = await databaseBackupRunner({ env }).run(
      { type: 'database-backup', database: 'orders', directory: path.join(dir, 'dumps'), keep: 1 },
      { ...context, binding },
    );
    const ended = Date.now();
    expect(result).toEqual({ exitCode: 0 });
    expect(ended - started).toBeGreaterThan(shortHeartbeatTimeoutMs);
    expect(longestSilence(started, beats, ended)).toBeLessThan(shortHeartbeatTimeoutMs * 0.75);
  });
});

describe('runners that cannot run here', () => {
  it('refuses local commands when the worker turned them off', async () => {
    const { context } = collect(new AbortController().signal);
    await expect(localRunner({ enabled: false }).run({ type: 'local', command: ['true'] }, context)).rejects.toThrow(/local commands/);
  });

  it('refuses a backup that no binding grants', async () => {
    const { context } = collect(new AbortController().signal);
    await expect(
      databaseBackupRunner({}).run({ type: 'database-backup', database: 'platform', directory: '/tmp/x', keep: 1 }, context),
    ).rejects.toThrow(/binding/);
  });

  it('refuses a backup of the platform database when it is the embedded one', async () => {
    const { context } = collect(new AbortController().signal);
    const binding = {
      id: 'b',
      workspaceId: 'w',
      environment: '*',
      target: { id: 't', name: 'local', kind: 'local' as const },
      policy: bindingPolicySchema.parse({ databases: { platform: { platform: true }, orders: { urlEnv: 'NO_SUCH_ORDERS_DB' } } }),
    };
    const runner = databaseBackupRunner({ env: {} });
    await expect(runner.run({ type: 'database-backup', database: 'platform', directory: '/tmp/x', keep: 1 }, { ...context, binding })).rejects.toThrow(/embedded/);
    await expect(runner.run({ type: 'database-backup', database: 'orders', directory: '/tmp/x', keep: 1 }, { ...context, binding })).rejects.toThrow(/NO_SUCH_ORDERS_DB/);
    await expect(runner.run({ type: 'database-backup', database: 'billing', directory: '/tmp/x', keep: 1 }, { ...context, binding })).rejects.toThrow(/no database connection named billing/);
  });
});

describe('names', () => {
  it('names dumps by the job that made them, time and run', () => {
    expect(dumpFileName('orders-backup', new Date('2026-01-02T03:04:05.678Z'), '1a2b3c4d-0000')).toBe('cutover-orders-backup-20260102T030405Z-1a2b3c4d.dump');
    // A job name cannot reach outside the folder.
    expect(dumpFileName('../x/y', new Date('2026-01-02T03:04:05.678Z'), '1a2b3c4d')).toBe('cutover-.._x_y-20260102T030405Z-1a2b3c4d.dump');
    const orders = dumpNamePattern('orders');
    expect(orders.test('cutover-orders-20260102T030405Z-1a2b3c4d.dump')).toBe(true);
    expect(orders.test('cutover-orders-backup-20260102T030405Z-1a2b3c4d.dump')).toBe(false);
    expect(orders.test('cutover-20260102T030405Z-1a2b3c4d.dump')).toBe(false);
    expect(dumpNamePattern('a.b').test('cutover-aXb-20260102T030405Z-1a2b3c4d.dump')).toBe(false);
  });

  it("predicts the workflow id Temporal gives a run, and keeps manual runs off cron's second 0", () => {
    expect(runWorkflowId('ops-job/w/j', new Date('2026-01-02T03:04:05.000Z'))).toBe('ops-job/w/j-2026-01-02T03:04:05Z');
    expect(manualNominalTime(new Date('2026-01-02T03:04:00.900Z')).toISOString()).toBe('2026-01-02T03:04:01.000Z');
    expect(manualNominalTime(new Date('2026-01-02T03:04:07.900Z'), 1).toISOString()).toBe('2026-01-02T03:04:08.000Z');
  });
});

describe('Kubernetes Job workload', () => {
  const workload = {
    type: 'kubernetes' as const,
    namespace: 'ops',
    image: 'postgres:17',
    command: ['pg_dumpall'],
    env: { PGHOST: 'db' },
  };

  it('builds one Job per run, the same for every attempt, that Kubernetes does not retry', () => {
    // A retry's context (attempt 2) names the same Job as the first attempt's.
    const retry = { jobName: 'nightly-backup', runId: '0123456789abcdef', attempt: 2 };
    const job = buildJob(workload, retry);
    expect(job.metadata?.name).toBe('ops-nightly-backup-01234567');
    expect(buildJob(workload, { jobName: 'nightly-backup', runId: '0123456789abcdef' }).metadata?.name).toBe(job.metadata?.name);
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(job.spec?.template.spec?.containers).toEqual([
      { name: 'job', image: 'postgres:17', command: ['pg_dumpall'], env: [{ name: 'PGHOST', value: 'db' }] },
    ]);
  });

  it('keeps Job names within 63 characters', () => {
    expect(jobObjectName('a'.repeat(63), '0123456789abcdef').length).toBeLessThanOrEqual(63);
  });

  it('reads Complete and Failed conditions', () => {
    expect(jobState({ status: {} })).toEqual({ state: 'running' });
    expect(jobState({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })).toEqual({ state: 'complete' });
    expect(
      jobState({ status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'too long' }] } }),
    ).toEqual({ state: 'failed', message: 'too long' });
    expect(jobState({ status: { conditions: [{ type: 'Failed', status: 'False' }] } })).toEqual({ state: 'running' });
  });
});

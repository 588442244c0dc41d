import { bindingPolicySchema } from '../../src/bindings/policy.ts';
import { describe, expect, it } from 'vitest';
import { databaseBackupRunner, dumpFileName } from '../../src/ops/workloads/database-backup.ts';
import { buildJob, jobObjectName, jobState } from '../../src/ops/workloads/kubernetes.ts';
import { localRunner } from '../../src/ops/workloads/local.ts';
import { maxLineLength, runProcess } from '../../src/ops/workloads/process.ts';
import { manualNominalTime, runWorkflowId } from '../../src/ops/schedules.ts';
import type { WorkloadContext } from '../../src/ops/workloads/types.ts';

function collect(signal: AbortSignal) {
  const lines: Array<[string, string]> = [];
  const context: WorkloadContext = {
    workspaceId: 'ws',
    runId: '0123456789abcdef',
    jobName: 'nightly',
    attempt: 1,
    onLine: (stream, line) => lines.push([stream, line]),
    signal,
    heartbeat: () => {},
  };
  return { lines, context };
}

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

  it('refuses a command that does not exist, for good', async () => {
    const { context } = collect(new AbortController().signal);
    await expect(runProcess({ command: ['/no/such/tool'], env: {} }, context)).rejects.toMatchObject({ retryable: false });
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
  it('names dumps by time and run', () => {
    expect(dumpFileName(new Date('2026-01-02T03:04:05.678Z'), '1a2b3c4d-0000')).toBe('cutover-20260102T030405Z-1a2b3c4d.dump');
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

  it('builds one Job per attempt that Kubernetes does not retry', () => {
    const job = buildJob(workload, { jobName: 'nightly-backup', runId: '0123456789abcdef', attempt: 2 });
    expect(job.metadata?.name).toBe('ops-nightly-backup-01234567-2');
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(job.spec?.template.spec?.containers).toEqual([
      { name: 'job', image: 'postgres:17', command: ['pg_dumpall'], env: [{ name: 'PGHOST', value: 'db' }] },
    ]);
  });

  it('keeps Job names within 63 characters', () => {
    expect(jobObjectName('a'.repeat(63), '0123456789abcdef', 20).length).toBeLessThanOrEqual(63);
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

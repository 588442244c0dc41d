// needs: Postgres, Temporal dev server
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// Runs end to end: API -> Temporal Schedule -> opsJobWorkflow -> workload activity -> Postgres -> API.


let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness();
  workspace = await createTestWorkspace(harness.db, 'runs');
});
afterAll(async () => {
  await harness?.close();
});

interface RunBody {
  id: string;
  status: string;
  attempts: number;
  exit_code: number | null;
  duration_ms: number | null;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  workflow_id: string;
}
interface LogLine {
  id: number;
  attempt: number;
  stream: string;
  line: string;
}

let counter = 0;
const farFuture = '0 0 1 1 *';

async function createJob(command: string, extra: Record<string, unknown> = {}): Promise<{ id: string; schedule_id: string }> {
  const response = await harness.call('POST', '/api/v1/ops/jobs', {
    token: workspace.tokens.operator,
    body: {
      name: `run-${++counter}-${Date.now().toString(36)}`,
      schedule: { cron: farFuture },
      workload: { type: 'local', command: ['sh', '-c', command] },
      ...extra,
    },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string; schedule_id: string };
}

async function trigger(jobId: string): Promise<Response> {
  return harness.call('POST', `/api/v1/ops/jobs/${jobId}/trigger`, { token: workspace.tokens.operator, body: { confirm: true } });
}

async function triggered(jobId: string): Promise<string> {
  const response = await trigger(jobId);
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { run_id: string }).run_id;
}

async function runs(jobId: string): Promise<RunBody[]> {
  const response = await harness.call('GET', `/api/v1/ops/jobs/${jobId}/runs`, { token: workspace.tokens.viewer });
  return ((await response.json()) as { items: RunBody[] }).items;
}

async function finishedRun(jobId: string, runId: string, timeoutMs = 30_000): Promise<RunBody> {
  return eventually(async () => {
    const run = (await runs(jobId)).find((item) => item.id === runId);
    return run && !['pending', 'running'].includes(run.status) ? run : undefined;
  }, timeoutMs);
}

async function logLines(jobId: string, runId: string, query = ''): Promise<LogLine[]> {
  const response = await harness.call('GET', `/api/v1/ops/jobs/${jobId}/runs/${runId}/logs${query}`, { token: workspace.tokens.viewer });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: LogLine[] }).items;
}

/** Reads server-sent events one at a time from a streaming response. */
function eventReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: unknown; id?: string }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block.split('\n').flatMap((line) => {
              const match = /^(\w+): ?(.*)$/.exec(line);
              return match ? [[match[1], match[2]]] : [];
            }),
          ) as Record<string, string>;
          if (!fields.event) continue;
          return { event: fields.event, data: JSON.parse(fields.data ?? 'null'), id: fields.id };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the event stream ended');
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('a triggered run', () => {
  it('answers with the run id at once, streams its lines live, then records exit code and duration', async () => {
    const job = await createJob('echo a; sleep 1; echo b >&2; exit 3');
    const runId = await triggered(job.id);

    const stream = await harness.app.request(`/api/v1/ops/jobs/${job.id}/runs/${runId}/logs`, {
      headers: { authorization: `Bearer ${workspace.tokens.viewer}`, accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = eventReader(stream);
    const first = await events.next();
    expect(first).toMatchObject({ event: 'line', data: { stream: 'stdout', line: 'a', attempt: 1 } });
    // Live: the first line arrived while the workload still runs.
    const during = (await runs(job.id)).find((run) => run.id === runId);
    expect(during?.status).toBe('running');
    const listed = (await (await harness.call('GET', '/api/v1/ops/jobs', { token: workspace.tokens.viewer })).json()) as {
      items: Array<{ id: string; status: string; elapsed_ms: number | null }>;
    };
    const summary = listed.items.find((item) => item.id === job.id);
    expect(summary?.status).toBe('running');
    expect(summary?.elapsed_ms).toBeGreaterThanOrEqual(0);

    expect(await events.next()).toMatchObject({ event: 'line', data: { stream: 'stderr', line: 'b' } });
    const end = await events.next();
    expect(end).toMatchObject({ event: 'end', data: { id: runId, status: 'failed', exit_code: 3 } });

    const run = await finishedRun(job.id, runId);
    expect(run).toMatchObject({ status: 'failed', exit_code: 3, attempts: 1 });
    expect(run.duration_ms).toBeGreaterThanOrEqual(1000);
    expect(run.duration_ms).toBeLessThan(20_000);

    expect((await logLines(job.id, runId)).map((line) => [line.stream, line.line])).toEqual([
      ['stdout', 'a'],
      ['stderr', 'b'],
    ]);
    expect((await logLines(job.id, runId, '?stream=stderr')).map((line) => line.line)).toEqual(['b']);
    expect((await logLines(job.id, runId, '?q=A')).map((line) => line.line)).toEqual(['a']);

    // The workflow of the run belongs to the job's Schedule.
    const description = await harness.temporal.schedule.getHandle(job.schedule_id).describe();
    const workflowIds = description.info.recentActions.map((action) => action.action.workflow.workflowId);
    expect(workflowIds.some((id) => id.startsWith(`${job.schedule_id}-`))).toBe(true);
  });

  it('records a successful run with exit code 0', async () => {
    const job = await createJob('echo ok');
    const runId = await triggered(job.id);
    expect(await finishedRun(job.id, runId)).toMatchObject({ status: 'succeeded', exit_code: 0 });
    const detail = (await (await harness.call('GET', `/api/v1/ops/jobs/${job.id}`, { token: workspace.tokens.viewer })).json()) as {
      last_run: RunBody | null;
      status: string;
    };
    expect(detail.last_run?.id).toBe(runId);
    expect(detail.status).toBe('scheduled');
  });

  it('needs { confirm: true }', async () => {
    const job = await createJob('echo no');
    const response = await harness.call('POST', `/api/v1/ops/jobs/${job.id}/trigger`, {
      token: workspace.tokens.operator,
      body: { confirm: false },
    });
    expect(response.status).toBe(422);
    expect(await runs(job.id)).toEqual([]);
  });
});

describe('overlap', () => {
  it('answers 423 Locked while a run is in progress under the skip policy, and accepts once it ended', async () => {
    const job = await createJob('sleep 2');
    const runId = await triggered(job.id);
    await eventually(async () => ((await runs(job.id)).find((run) => run.id === runId)?.status === 'running' ? true : undefined));
    const refused = await trigger(job.id);
    expect(refused.status).toBe(423);
    const body = (await refused.json()) as { error: { code: string; details: { runId: string } } };
    expect(body.error).toMatchObject({ code: 'locked', details: { runId } });

    await finishedRun(job.id, runId);
    const next = await triggered(job.id);
    expect(await finishedRun(job.id, next)).toMatchObject({ status: 'succeeded' });
    expect((await runs(job.id)).map((run) => run.id)).toEqual([next, runId]);
  });

  it('queues one run under buffer-one, refuses a second with 423, then runs the queued one', async () => {
    const job = await createJob('sleep 1', { policy: { overlap: 'buffer-one' } });
    const first = await triggered(job.id);
    await eventually(async () => ((await runs(job.id)).find((run) => run.id === first)?.status === 'running' ? true : undefined));
    const queued = await triggered(job.id);
    expect((await runs(job.id)).find((run) => run.id === queued)?.status).toBe('pending');
    expect((await trigger(job.id)).status).toBe(423);
    expect(await finishedRun(job.id, first)).toMatchObject({ status: 'succeeded' });
    const second = await finishedRun(job.id, queued);
    expect(second).toMatchObject({ status: 'succeeded' });
    // One after the other, never side by side.
    const firstEnded = (await runs(job.id)).find((run) => run.id === first)?.ended_at ?? '';
    expect(Date.parse(second.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(firstEnded));
  });

  it('cancels the running run under cancel-other and starts the new one', async () => {
    const job = await createJob('echo started; sleep 30', { policy: { overlap: 'cancel-other' } });
    const first = await triggered(job.id);
    await eventually(async () => ((await logLines(job.id, first)).length > 0 ? true : undefined));
    const second = await triggered(job.id);
    expect(await finishedRun(job.id, first, 40_000)).toMatchObject({ status: 'cancelled' });
    await eventually(async () => ((await logLines(job.id, second)).length > 0 ? true : undefined), 30_000);

    // Deleting the job cancels the run still going.
    const workflowId = (await runs(job.id)).find((run) => run.id === second)?.workflow_id ?? '';
    expect((await harness.call('DELETE', `/api/v1/ops/jobs/${job.id}`, { token: workspace.tokens.operator })).status).toBe(204);
    await eventually(async () => {
      const description = await harness.temporal.workflow.getHandle(workflowId).describe();
      return description.status.name === 'CANCELLED' ? true : undefined;
    }, 30_000);
  }, 90_000);
});

describe('retries and timeouts', () => {
  it('retries a failing workload per the policy, then records the run failed with the last exit code', async () => {
    const job = await createJob('echo trying; exit 5', {
      policy: { retry: { maximum_attempts: 2, initial_interval_ms: 200 } },
    });
    const runId = await triggered(job.id);
    const run = await finishedRun(job.id, runId);
    expect(run).toMatchObject({ status: 'failed', exit_code: 5, attempts: 2 });
    expect(run.error).toMatch(/exited with code 5/);
    expect((await logLines(job.id, runId)).map((line) => [line.attempt, line.line])).toEqual([
      [1, 'trying'],
      [2, 'trying'],
    ]);
  });

  it('stops an attempt that outlives its timeout and records it timed out', async () => {
    const job = await createJob('echo slow; sleep 30', { policy: { timeout_ms: 1000 } });
    const runId = await triggered(job.id);
    const run = await finishedRun(job.id, runId);
    expect(run.status).toBe('timed_out');
    expect(run.exit_code).toBe(143);
    expect(run.duration_ms).toBeLessThan(10_000);
  });
});

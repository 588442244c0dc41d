// needs: Postgres, Temporal dev server
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness();
  workspace = await createTestWorkspace(harness.db);
});
afterAll(() => harness?.close());

interface DeploymentBody {
  id: string;
  status: string;
  workflow_id: string;
  web_ui_url: string;
  steps?: Array<{ step: string; status: string; duration_ms: number | null }>;
}

describe('a dry-run release, end to end', () => {
  it('goes API -> workflow -> activities writing to Postgres -> API reads it back', async () => {
    const created = await harness.call('POST', '/api/v1/deployments', {
      token: workspace.tokens.operator,
      body: { service: 'web', environment: 'staging', version: '1.4.0', strategy: 'dry-run' },
    });
    expect(created.status).toBe(201);
    const deployment = (await created.json()) as DeploymentBody;
    expect(deployment.status).toBe('pending');
    expect(deployment.workflow_id).toBe(`release/${workspace.id}/staging/web`);
    expect(deployment.web_ui_url).toContain(encodeURIComponent(deployment.workflow_id));

    const finished = await eventually(async () => {
      const response = await harness.call('GET', `/api/v1/deployments/${deployment.id}`, { token: workspace.tokens.viewer });
      const body = (await response.json()) as DeploymentBody;
      return body.status === 'succeeded' ? body : undefined;
    });
    expect(finished.steps?.map((step) => step.step)).toEqual([
      'resolve-active-color',
      'pre-switch-hooks',
      'deploy-standby',
      'smoke-tests',
      'approval',
      'switch-traffic',
      'monitor',
      'retire-old-color',
    ]);
    expect(finished.steps?.every((step) => step.status === 'skipped' && step.duration_ms !== null)).toBe(true);

    // The run carries Cutover's search attributes, so the Web UI can filter by them. The record says
    // "succeeded" a moment before the run closes, so wait for the run itself first.
    const handle = harness.temporal.workflow.getHandle(deployment.workflow_id);
    await handle.result();
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    // The link names this very run, not just the latest run under the service's workflow id.
    expect(deployment.web_ui_url).toBe(
      `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(deployment.workflow_id)}/${description.runId}/history`,
    );
    expect(description.searchAttributes.CutoverService).toEqual(['web']);
    expect(description.searchAttributes.CutoverEnvironment).toEqual(['staging']);
    expect(description.searchAttributes.CutoverWorkspace).toEqual([workspace.name]);
    expect(description.searchAttributes.CutoverStatus).toEqual(['succeeded']);

    const listed = await harness.call('GET', '/api/v1/deployments?service=web', { token: workspace.tokens.viewer });
    const page = (await listed.json()) as { items: DeploymentBody[] };
    expect(page.items.map((item) => item.id)).toContain(deployment.id);
  });

  it('pages through deployments with a cursor, newest first', async () => {
    const ids: string[] = [];
    for (const version of ['1', '2', '3']) {
      const response = await harness.call('POST', '/api/v1/deployments', {
        token: workspace.tokens.operator,
        body: { service: `paged-${version}`, environment: 'dev', version, strategy: 'dry-run' },
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as DeploymentBody).id);
    }
    const first = (await (
      await harness.call('GET', '/api/v1/deployments?environment=dev&limit=2', { token: workspace.tokens.viewer })
    ).json()) as { items: DeploymentBody[]; next_cursor: string | null };
    expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (
      await harness.call('GET', `/api/v1/deployments?environment=dev&limit=2&cursor=${first.next_cursor}`, {
        token: workspace.tokens.viewer,
      })
    ).json()) as { items: DeploymentBody[]; next_cursor: string | null };
    expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();
  });
});

describe('one release per service and environment', () => {
  it('answers 409 with the running deployment id and records nothing for the refused start', async () => {
    // No worker polls this harness's queue, so the first release stays running.
    const idle = await startHarness({ worker: false });
    try {
      const body = { service: 'api', environment: 'prod', version: '2.0.0', strategy: 'dry-run' };
      const first = await idle.call('POST', '/api/v1/deployments', { token: workspace.tokens.operator, body });
      expect(first.status).toBe(201);
      const running = (await first.json()) as DeploymentBody;

      const second = await idle.call('POST', '/api/v1/deployments', {
        token: workspace.tokens.operator,
        body: { ...body, version: '2.0.1' },
      });
      expect(second.status).toBe(409);
      const error = (await second.json()) as { error: { code: string; details: { deploymentId: string } } };
      expect(error.error.code).toBe('conflict');
      expect(error.error.details.deploymentId).toBe(running.id);

      const listed = (await (
        await idle.call('GET', '/api/v1/deployments?service=api&environment=prod', { token: workspace.tokens.viewer })
      ).json()) as { items: DeploymentBody[] };
      expect(listed.items.map((item) => item.id)).toEqual([running.id]);

      await idle.temporal.workflow.getHandle(running.workflow_id).terminate('test over');
    } finally {
      await idle.close();
    }
  });
});

describe('a release whose run was ended from outside', () => {
  it('no longer blocks the next release of the service', async () => {
    const idle = await startHarness({ worker: false });
    try {
      const body = { service: 'orphan', environment: 'prod', version: '1.0.0', strategy: 'dry-run' };
      const first = (await (
        await idle.call('POST', '/api/v1/deployments', { token: workspace.tokens.operator, body })
      ).json()) as DeploymentBody;
      await idle.temporal.workflow.getHandle(first.workflow_id).terminate('ended from the Web UI');

      const second = await idle.call('POST', '/api/v1/deployments', { token: workspace.tokens.operator, body });
      expect(second.status).toBe(201);
      const stale = (await (
        await idle.call('GET', `/api/v1/deployments/${first.id}`, { token: workspace.tokens.viewer })
      ).json()) as DeploymentBody & { reason: string };
      expect(stale.status).toBe('failed');
      expect(stale.reason).toMatch(/ended without finishing/);
      await idle.temporal.workflow.getHandle(first.workflow_id).terminate('test over');
    } finally {
      await idle.close();
    }
  });
});

describe('deployment events as Server-Sent Events', () => {
  it('streams each step and the status, and ends with the final deployment', async () => {
    const created = (await (
      await harness.call('POST', '/api/v1/deployments', {
        token: workspace.tokens.operator,
        body: { service: 'streamed', environment: 'staging', version: '3.0.0', strategy: 'dry-run' },
      })
    ).json()) as DeploymentBody;
    const response = await harness.call('GET', `/api/v1/deployments/${created.id}/events?poll_ms=100`, {
      token: workspace.tokens.viewer,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>,
      }));
    const finalSteps = new Map(events.filter((e) => e.event === 'step').map((e) => [e.data.step, e.data.status]));
    expect(finalSteps.size).toBe(8);
    expect([...finalSteps.values()].every((status) => status === 'skipped')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { id: created.id, status: 'succeeded' } });
    expect(events.filter((e) => e.event === 'status').at(-1)?.data.status).toBe('succeeded');
  });

  it("answers 404 for another workspace's deployment", async () => {
    const other = await createTestWorkspace(harness.db, 'other');
    const mine = (await (
      await harness.call('POST', '/api/v1/deployments', {
        token: workspace.tokens.operator,
        body: { service: 'private', environment: 'staging', version: '1.0.0', strategy: 'dry-run' },
      })
    ).json()) as DeploymentBody;
    const response = await harness.call('GET', `/api/v1/deployments/${mine.id}/events`, { token: other.tokens.viewer });
    expect(response.status).toBe(404);
    const unknown = await harness.call('GET', `/api/v1/deployments/${randomUUID()}/events`, { token: workspace.tokens.viewer });
    expect(unknown.status).toBe(404);
  });
});

describe('an event stream for a release that does not end', () => {
  // No worker: the release stays pending. The logger is read to see when the stream's poll loop ended.
  const lines: string[] = [];
  let idle: Harness;
  let idleWorkspace: TestWorkspace;
  beforeAll(async () => {
    idle = await startHarness({ worker: false, logger: createLogger({ LOG_LEVEL: 'debug' }, {}, { write: (line: string) => void lines.push(line) }) });
    idleWorkspace = await createTestWorkspace(idle.db, 'sse-bound');
  });
  afterAll(() => idle?.close());

  const pending = async (service: string) =>
    (await (
      await idle.call('POST', '/api/v1/deployments', {
        token: idleWorkspace.tokens.operator,
        body: { service, environment: 'staging', version: '1.0.0', strategy: 'dry-run' },
      })
    ).json()) as DeploymentBody;
  const closedStreams = (id: string) =>
    lines.map((line) => JSON.parse(line) as { msg?: string; deploymentId?: string; ended?: string }).filter((l) => l.msg === 'deployment event stream closed' && l.deploymentId === id);

  it('ends after max_ms with a reconnect event', async () => {
    const created = await pending('forever');
    const started = Date.now();
    const response = await idle.call('GET', `/api/v1/deployments/${created.id}/events?poll_ms=100&max_ms=1000`, { token: idleWorkspace.tokens.viewer });
    expect(response.status).toBe(200);
    const blocks = (await response.text()).split('\n\n').filter(Boolean);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(blocks.at(-1)).toMatch(/^event: reconnect$/m);
    expect(blocks.at(-1)).toMatch(/"reason":"max_duration"/);
    expect(blocks.at(-1)).toMatch(/^retry: 100$/m);
    await eventually(() => Promise.resolve(closedStreams(created.id).at(-1)?.ended === 'max_duration' ? true : undefined), 5_000);
  }, 15_000);

  it('stops polling when the client goes away', async () => {
    const created = await pending('abandoned');
    const response = await idle.call('GET', `/api/v1/deployments/${created.id}/events?poll_ms=100`, { token: idleWorkspace.tokens.viewer });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: ');
    await reader.cancel();
    await eventually(() => Promise.resolve(closedStreams(created.id).at(-1)?.ended === 'disconnected' ? true : undefined), 5_000);
  }, 15_000);
});

// needs: Postgres, Temporal dev server and its CLI
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTemporalCli } from '../../scripts/temporal/cli.ts';
import { serveApp, type RunningServer } from '../../src/api/serve.ts';
import { codecTokenCookie } from '../../src/api/routes/codec-session.ts';
import { createApiToken } from '../../src/db/repositories/workspaces.ts';
import { encryptedEncoding } from '../../src/temporal/codec.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

const run = promisify(execFile);
let harness: Harness;
let workspace: TestWorkspace;
let server: RunningServer;
let cli: string;

beforeAll(async () => {
  harness = await startHarness();
  workspace = await createTestWorkspace(harness.db, 'codec');
  server = await serveApp(harness.app, { port: 0, hostname: '127.0.0.1' });
  cli = ensureTemporalCli();
});
afterAll(async () => {
  await server?.close();
  await harness?.close();
});

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** The run's history as the real CLI prints it, with no codec. */
async function historyOf(workflowId: string, extraArgs: string[] = []): Promise<string> {
  const { stdout } = await run(cli, ['workflow', 'show', '-o', 'json', '--address', inject('temporalAddress'), '-w', workflowId, ...extraArgs], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Every string of the document, and what each decodes to when it is base64 (the CLI prints bytes as base64). */
function readableTexts(document: unknown): string[] {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      texts.push(value);
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) texts.push(Buffer.from(value, 'base64').toString('latin1'));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(document);
  return texts;
}

/**
 * Every payload of the document (an object with base64 metadata naming an encoding), but those of search
 * attributes: the server indexes them, so they stay plaintext by design.
 */
function payloadsIn(document: unknown): JsonPayload[] {
  const found: JsonPayload[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const metadata = (value as JsonPayload).metadata;
    if (metadata && typeof metadata === 'object' && typeof metadata.encoding === 'string') found.push(value);
    else for (const [key, child] of Object.entries(value)) if (key !== 'searchAttributes') visit(child);
  };
  visit(document);
  return found;
}

/** The names of every search attribute the history sets. */
function searchAttributeNames(document: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'searchAttributes') Object.keys((child as { indexedFields?: object }).indexedFields ?? {}).forEach((name) => names.add(name));
      else visit(child);
    }
  };
  visit(document);
  return names;
}

const encodingOf = (payload: JsonPayload) => Buffer.from(payload.metadata?.encoding ?? '', 'base64').toString();

function decode(payloads: JsonPayload[], headers: Record<string, string>) {
  return harness.app.request('/api/v1/codec/decode', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify({ payloads }),
  });
}

async function decodedText(payloads: JsonPayload[], token: string): Promise<string> {
  const response = await decode(payloads, { authorization: `Bearer ${token}` });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { payloads: JsonPayload[] };
  expect(body.payloads).toHaveLength(payloads.length);
  return body.payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString()).join('\n');
}

async function expectUnauthorized(response: Response) {
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.any(String) as unknown, requestId: expect.any(String) as unknown } });
}

async function expectForbidden(response: Response) {
  expect(response.status).toBe(403);
  expect(await response.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/platform admin/) as unknown, requestId: expect.any(String) as unknown } });
}

describe('payload encryption, end to end', () => {
  let workflowId: string;
  let marker: string;
  let encrypted: JsonPayload[];

  beforeAll(async () => {
    marker = `m${randomUUID().replaceAll('-', '')}`;
    const created = await harness.call('POST', '/api/v1/deployments', {
      token: workspace.tokens.operator,
      body: { service: `codec-${randomUUID().slice(0, 8)}`, environment: 'staging', version: `1.0.0-${marker}`, strategy: 'dry-run' },
    });
    expect(created.status).toBe(201);
    const deployment = (await created.json()) as { id: string; workflow_id: string };
    workflowId = deployment.workflow_id;
    await eventually(async () => {
      const response = await harness.call('GET', `/api/v1/deployments/${deployment.id}`, { token: workspace.tokens.viewer });
      return ((await response.json()) as { status: string }).status === 'succeeded' ? true : undefined;
    });
    await harness.temporal.workflow.getHandle(workflowId).result();
    encrypted = payloadsIn(JSON.parse(await historyOf(workflowId))).filter((payload) => encodingOf(payload) === encryptedEncoding);
  });

  it('keeps the release input out of the history: every payload is encrypted, none readable', async () => {
    const history: unknown = JSON.parse(await historyOf(workflowId));
    expect(readableTexts(history).filter((text) => text.includes(marker))).toEqual([]);
    const all = payloadsIn(history);
    // Input, activity inputs and results, the summary, the memo, the result: all encrypted, nothing else.
    expect(all.length).toBeGreaterThan(5);
    expect(all.map(encodingOf).filter((encoding) => encoding !== encryptedEncoding)).toEqual([]);
    // What stays plaintext: the search attributes, which name only the workspace, service, environment and status.
    expect([...searchAttributeNames(history)].sort()).toEqual(['CutoverEnvironment', 'CutoverService', 'CutoverStatus', 'CutoverWorkspace']);
  });

  it("gives the input back through POST /api/v1/codec/decode to a platform admin's token", async () => {
    expect(await decodedText(encrypted, workspace.platformAdmin)).toContain(marker);
    // Who decoded is on record.
    const audit = await harness.call('GET', '/api/v1/audit?limit=20', { token: workspace.tokens.admin });
    const entries = ((await audit.json()) as { items: Array<{ action: string; actor: string }> }).items;
    expect(entries).toContainEqual(expect.objectContaining({ action: 'codec.decode', actor: `${workspace.name}-platform` }));
  });

  it("refuses every workspace role with 403, its own workspace's and another's: a payload names no owner to check", async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      await expectForbidden(await decode(encrypted, { authorization: `Bearer ${workspace.tokens[role]}` }));
    }
    // A viewer of another workspace would otherwise read this workspace's release input through the Web UI.
    const stranger = await createTestWorkspace(harness.db, 'codec-other');
    await expectForbidden(await decode(encrypted, { authorization: `Bearer ${stranger.tokens.viewer}` }));
    // The refusal is on record in the caller's workspace.
    const audit = await harness.call('GET', '/api/v1/audit?limit=20', { token: stranger.tokens.admin });
    const entries = ((await audit.json()) as { items: Array<{ actor: string; outcome: string; status_code: number }> }).items;
    expect(entries).toContainEqual(expect.objectContaining({ actor: `${stranger.name}-viewer`, outcome: 'failure', status_code: 403 }));
  });

  it('refuses no token, an unknown token and a revoked token with 401 in the one error shape', async () => {
    await expectUnauthorized(await decode(encrypted, {}));
    await expectUnauthorized(await decode(encrypted, { authorization: `Bearer cut_${randomUUID()}` }));
    const made = await createApiToken(harness.db, { workspaceId: workspace.id, name: `codec-${randomUUID()}`, role: 'admin', platformAdmin: true });
    const token = made.plaintext;
    expect(await decodedText(encrypted, token)).toContain(marker);
    expect((await harness.call('DELETE', `/api/v1/tokens/${made.row.id}`, { token: workspace.tokens.admin })).status).toBe(204);
    await expectUnauthorized(await decode(encrypted, { authorization: `Bearer ${token}` }));
  });

  it('decodes for the real CLI given --codec-endpoint and --codec-auth, and for nobody without the token', async () => {
    const endpoint = `http://127.0.0.1:${server.port}/api/v1/codec`;
    expect(readableTexts(JSON.parse(await historyOf(workflowId))).some((text) => text.includes(marker))).toBe(false);
    const decoded = await historyOf(workflowId, ['--codec-endpoint', endpoint, '--codec-auth', `Bearer ${workspace.platformAdmin}`]);
    expect(readableTexts(JSON.parse(decoded)).some((text) => text.includes(marker))).toBe(true);
    // Without the token the CLI cannot decode (it retries the refused codec until its command timeout).
    await expect(historyOf(workflowId, ['--codec-endpoint', endpoint, '--command-timeout', '2s'])).rejects.toThrow();
  });

  it('refuses a tampered payload with 422, naming no plaintext', async () => {
    const data = Buffer.from(encrypted[0]!.data!, 'base64');
    data[data.length - 1] = data[data.length - 1]! ^ 1;
    const response = await decode([{ ...encrypted[0]!, data: data.toString('base64') }], { authorization: `Bearer ${workspace.platformAdmin}` });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_not_decodable', message: expect.stringMatching(/failed authentication/) as unknown } });
  });

  it("encodes for a platform admin's token; what it writes decodes again", async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify(marker)).toString('base64') };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${workspace.platformAdmin}` };
    const encoded = await harness.app.request('/api/v1/codec/encode', { method: 'POST', headers, body: JSON.stringify({ payloads: [plain] }) });
    expect(encoded.status).toBe(200);
    const [sealed] = ((await encoded.json()) as { payloads: JsonPayload[] }).payloads;
    expect(encodingOf(sealed!)).toBe(encryptedEncoding);
    expect(readableTexts(sealed).some((text) => text.includes(marker))).toBe(false);
    expect(await decodedText([sealed!], workspace.platformAdmin)).toContain(marker);
    const admin = await harness.app.request('/api/v1/codec/encode', {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${workspace.tokens.admin}` },
      body: JSON.stringify({ payloads: [plain] }),
    });
    await expectForbidden(admin);
    const anonymous = await harness.app.request('/api/v1/codec/encode', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [plain] }),
    });
    await expectUnauthorized(anonymous);
  });
});

describe('failures', () => {
  it('carry their message encrypted: a failure that quotes its input shows only "Encoded failure"', async () => {
    // The deployment id is the marker: no such deployment, so markDeploymentStatus fails (not retryable) with a
    // message that names it, and the workflow fails with that failure as its cause.
    const marker = randomUUID();
    const workflowId = `codec-failure-${randomUUID()}`;
    const handle = await harness.temporal.workflow.start('dryRunWorkflow', {
      taskQueue: harness.taskQueue,
      workflowId,
      args: [{ workspaceId: workspace.id, deploymentId: marker, service: 'codec-failure', environment: 'staging', version: '1.0.0' }],
    });
    // The client decodes: the person with the key sees the real message.
    await expect(handle.result()).rejects.toMatchObject({ cause: { cause: { message: expect.stringContaining(marker) as unknown } } });

    const history: unknown = JSON.parse(await historyOf(workflowId));
    expect(readableTexts(history).filter((text) => text.includes(marker))).toEqual([]);
    const raw = JSON.stringify(history);
    expect(raw).toContain('Encoded failure');
    expect(raw).not.toContain('does not exist in workspace');
    // The failure's encoded attributes (message and stack trace) come back through the codec endpoint.
    const attributes = payloadsIn(history).filter((payload) => encodingOf(payload) === encryptedEncoding);
    const decoded = await decodedText(attributes, workspace.platformAdmin);
    expect(decoded).toContain(`deployment ${marker} does not exist in workspace`);
  });
});

describe('failures made inside the workflow sandbox', () => {
  it('are encrypted too (the workflow bundle carries the failure converter): an ops run that cannot start its command', async () => {
    // The command does not exist, so the workload fails with "could not start <command>", and the workflow
    // fails with an OpsJobFailed failure it creates itself from that message.
    const marker = `m${randomUUID().replaceAll('-', '')}`;
    const created = await harness.call('POST', '/api/v1/ops/jobs', {
      token: workspace.tokens.operator,
      body: { name: `codec-${randomUUID().slice(0, 8)}`, schedule: { cron: '0 0 1 1 *' }, workload: { type: 'local', command: [`/nonexistent/${marker}`] } },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const job = (await created.json()) as { id: string };
    const triggered = await harness.call('POST', `/api/v1/ops/jobs/${job.id}/trigger`, { token: workspace.tokens.operator, body: { confirm: true } });
    expect(triggered.status, await triggered.clone().text()).toBe(202);
    const { run_id: runId } = (await triggered.json()) as { run_id: string };
    const run = await eventually(async () => {
      const response = await harness.call('GET', `/api/v1/ops/jobs/${job.id}/runs`, { token: workspace.tokens.viewer });
      const found = ((await response.json()) as { items: Array<{ id: string; status: string; workflow_id: string }> }).items.find((item) => item.id === runId);
      return found && !['pending', 'running'].includes(found.status) ? found : undefined;
    }, 30_000);
    expect(run.status).toBe('failed');
    const handle = harness.temporal.workflow.getHandle(run.workflow_id);
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'OpsJobFailed', message: expect.stringContaining(marker) as unknown } });

    const history: unknown = JSON.parse(await historyOf(run.workflow_id));
    expect(readableTexts(history).filter((text) => text.includes(marker))).toEqual([]);
    const failed = (history as { events: Array<{ workflowExecutionFailedEventAttributes?: { failure?: { message?: string } } }> }).events.find(
      (event) => event.workflowExecutionFailedEventAttributes,
    );
    expect(failed?.workflowExecutionFailedEventAttributes?.failure?.message).toBe('Encoded failure');
    const decoded = await decodedText(payloadsIn(failed), workspace.platformAdmin);
    expect(decoded).toContain(`could not start /nonexistent/${marker}`);
  });
});

describe('the Web UI in a dev setup', () => {
  const uiOrigin = 'http://localhost:8233';

  it('may call the codec across origins with credentials; other origins may not', async () => {
    const preflight = (origin: string) =>
      harness.app.request('/api/v1/codec/decode', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(['authorization', 'content-type', 'x-namespace']);
    expect((await preflight('http://127.0.0.1:8233')).headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();

    // A refusal stays readable to the UI (it shows "Codec Server could not connect"), never to another origin.
    const refused = await decode([], { origin: uiOrigin });
    expect(refused.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    await expectUnauthorized(refused);
  });

  it("decodes with the cookie that the token form sets for a platform admin's token, and stops when the token is unknown", async () => {
    const form = await harness.app.request('/api/v1/codec/session');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Include cross-origin credentials');

    const wrong = await harness.app.request('/api/v1/codec/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: `cut_${randomUUID()}` }).toString(),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    // A workspace role's token is not kept: the codec would refuse it anyway.
    for (const token of [workspace.tokens.viewer, workspace.tokens.admin]) {
      const refused = await harness.app.request('/api/v1/codec/session', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('set-cookie')).toBeNull();
      expect(await refused.text()).toContain('not a platform admin');
    }

    const kept = await harness.app.request('/api/v1/codec/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: workspace.platformAdmin }).toString(),
    });
    expect(kept.status).toBe(303);
    const setCookie = kept.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${codecTokenCookie}=`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\/api\/v1\/codec(;|$)/);
    const cookie = setCookie.split(';')[0]!;

    const shown = await harness.app.request('/api/v1/codec/session', { headers: { cookie } });
    expect(await shown.text()).toContain(`${workspace.name}-platform`);

    const sealed = await harness.app.request('/api/v1/codec/encode', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: uiOrigin },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') }] }),
    });
    expect(sealed.status).toBe(200);
    const { payloads } = (await sealed.json()) as { payloads: JsonPayload[] };
    expect(payloads.map(encodingOf)).toEqual([encryptedEncoding]);
    const opened = await decode(payloads, { cookie, origin: uiOrigin });
    expect(opened.status).toBe(200);
    expect(((await opened.json()) as { payloads: JsonPayload[] }).payloads[0]?.data).toBe(Buffer.from('"x"').toString('base64'));
    await expectUnauthorized(await decode(payloads, { cookie: `${codecTokenCookie}=cut_${randomUUID()}` }));
    // A cookie that holds a workspace role's token (kept before the codec was a platform admin's) decodes nothing.
    const viewerCookie = `${codecTokenCookie}=${workspace.tokens.viewer}`;
    await expectForbidden(await decode(payloads, { cookie: viewerCookie, origin: uiOrigin }));
    expect(await (await harness.app.request('/api/v1/codec/session', { headers: { cookie: viewerCookie } })).text()).toContain('not a platform admin');
    // The cookie opens the codec only: every other route still wants the bearer header.
    await expectUnauthorized(await harness.app.request('/api/v1/services', { headers: { cookie: `${codecTokenCookie}=${workspace.platformAdmin}` } }));
  });

  it('lists the codec routes in the OpenAPI document', async () => {
    const document = (await (await harness.app.request('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/codec/decode', '/codec/encode', '/codec/session', '/codec/session/forget']),
    );
  });
});

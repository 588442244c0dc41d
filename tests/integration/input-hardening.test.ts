// needs: postgres, temporal
import { connect, type Socket } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp, type RunningServer } from '../../src/api/serve.ts';
import { insertAuditEntry } from '../../src/db/repositories/audit.ts';
import { apiTokens, auditLog, opsJobs, services } from '../../src/db/schema/index.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// A NUL byte or a lone surrogate anywhere in a request is refused with 422 before it reaches Postgres or Temporal.
let harness: Harness;
let workspace: TestWorkspace;
const someId = '00000000-0000-4000-8000-000000000000';
const nul = 'a\u0000b';
const loneSurrogate = 'a\ud800b';

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'harden');
});
afterAll(() => harness?.close());

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Array<{ path: string; message: string }> };
}

async function expectRefused(response: Response, status: number, code: string, path?: string): Promise<ErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  if (path) expect(body.error.details?.map((detail) => detail.path)).toContain(path);
  return body;
}

/** The audit row of one request, by its request id. */
async function auditRowOf(requestId: string) {
  const rows = await harness.db.select().from(auditLog).where(eq(auditLog.requestId, requestId));
  return rows[0];
}

/** This workspace's rows that a refused request must not have changed. */
async function rowCounts(): Promise<number[]> {
  return Promise.all([apiTokens, services, opsJobs].map((table) => harness.db.$count(table, eq(table.workspaceId, workspace.id))));
}

const definition = (extra: Record<string, unknown>) => ({
  target: 'local',
  image: 'a.mjs',
  local: { port: 9000, previewPort: 9003, colorPorts: { blue: 9001, green: 9002 } },
  ...extra,
});

const mutating: Array<[string, string, string, unknown, string]> = [
  ['services POST, a NUL in the name', 'POST', '/api/v1/services', { name: nul, environment: 'staging', definition: definition({}) }, 'json.name'],
  ['services POST, a NUL in an env value', 'POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: definition({ env: { A: nul } }) }, 'json.definition.env.A'],
  ['services POST, a lone surrogate in the image', 'POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: definition({ image: loneSurrogate }) }, 'json.definition.image'],
  ['tokens POST, a NUL in the name', 'POST', '/api/v1/tokens', { name: nul, role: 'viewer' }, 'json.name'],
  ['tokens POST, a lone surrogate in the name', 'POST', '/api/v1/tokens', { name: loneSurrogate, role: 'viewer' }, 'json.name'],
  ['ops jobs POST, a NUL in the description', 'POST', '/api/v1/ops/jobs', { name: 'nul-job', description: nul, schedule: { cron: '0 0 1 1 *' }, workload: { type: 'local', command: ['echo'] } }, 'json.description'],
  ['ops jobs POST, a lone surrogate in the command', 'POST', '/api/v1/ops/jobs', { name: 'sur-job', schedule: { cron: '0 0 1 1 *' }, workload: { type: 'local', command: ['echo', loneSurrogate] } }, 'json.workload.command.1'],
  ['approve, a NUL in the comment', 'POST', `/api/v1/deployments/${someId}/approve`, { approver: 'ada', confirm: 'web', comment: nul }, 'json.comment'],
];

describe('strings with a NUL or a lone surrogate', () => {
  it.each(mutating)('%s: 422, nothing changed, and the refusal audited', async (_name, method, path, body, field) => {
    const before = await rowCounts();
    const response = await harness.call(method, path, { token: workspace.tokens.admin, body });
    const refused = await expectRefused(response, 422, 'validation_failed', field);
    expect(await rowCounts()).toEqual(before);
    const row = await auditRowOf(refused.error.requestId);
    expect(row).toMatchObject({ workspaceId: workspace.id, outcome: 'failure', statusCode: 422 });
  });

  it.each([
    ['/api/v1/deployments?cursor=a%00b', 'query.cursor'],
    [`/api/v1/ops/jobs/${someId}/runs/${someId}/logs?q=a%00b`, 'query.q'],
  ])('refuses %s, naming the field', async (path, field) => {
    const response = await harness.call('GET', path, { token: workspace.tokens.viewer });
    await expectRefused(response, 422, 'validation_failed', field);
  });

  it('refuses a NUL in a path parameter and still writes the audit row', async () => {
    const response = await harness.call('POST', '/api/v1/services/we%00b/rollback', { token: workspace.tokens.admin, body: { environment: 'staging' } });
    const refused = await expectRefused(response, 422, 'validation_failed', 'param.name');
    const row = await auditRowOf(refused.error.requestId);
    expect(row).toMatchObject({ workspaceId: workspace.id, outcome: 'failure', statusCode: 422 });
  });

  it('answers 404 for an unknown path holding %00, and audits it', async () => {
    const response = await harness.call('POST', '/api/v1/nowhere%00/x', { token: workspace.tokens.admin, body: {} });
    const refused = await expectRefused(response, 404, 'not_found');
    const row = await auditRowOf(refused.error.requestId);
    expect(row?.statusCode).toBe(404);
    expect(row?.target).not.toContain('\u0000');
  });
});

describe('the audit row', () => {
  it('is written whatever its action, target and details hold', async () => {
    const requestId = `harden-${Date.now()}`;
    await insertAuditEntry(harness.db, {
      workspaceId: workspace.id,
      actor: `x${nul}`,
      actorTokenId: null,
      action: `POST ${nul}`,
      target: `/x/${loneSurrogate}`,
      requestId,
      outcome: 'failure',
      statusCode: 422,
      details: { [`k${nul}`]: [loneSurrogate, { deep: nul }] },
    });
    const [row] = await harness.db.select().from(auditLog).where(and(eq(auditLog.requestId, requestId), eq(auditLog.workspaceId, workspace.id)));
    expect(row?.action).toBe('POST a\ufffdb');
    expect(row?.target).toBe('/x/a\ufffdb');
    expect(row?.details).toEqual({ 'ka\ufffdb': ['a\ufffdb', { deep: 'a\ufffdb' }] });
  });
});

describe('kept-alive connections', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serveApp(harness.app, { port: 0, hostname: '127.0.0.1' });
  });
  afterAll(() => server?.close());

  /** Sends raw requests (each in parts, a pause between) one after another on one socket; collects each answer's status. */
  async function onOneSocket(requests: Array<string | string[]>, pauseMs = 0): Promise<string[]> {
    const socket: Socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const statuses: string[] = [];
    try {
      for (const request of requests) {
        const start = received.length;
        for (const part of typeof request === 'string' ? [request] : request) {
          socket.write(part);
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
        const deadline = Date.now() + 3_000;
        let status: string | undefined;
        while (Date.now() < deadline) {
          const answer = received.slice(start);
          const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(answer);
          const length = match ? Number(/content-length: (\d+)/i.exec(match[2] ?? '')?.[1] ?? 0) : 0;
          if (match && answer.length >= match[0].length + length) {
            status = match[1];
            received = received.slice(0, start) + answer.slice(match[0].length + length);
            break;
          }
          if (socket.destroyed) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        statuses.push(status ?? 'no answer');
        if (!status) break;
      }
    } finally {
      socket.destroy();
      await closed;
    }
    return statuses;
  }

  const post = (path: string, body: string, headers = '') =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;
  const get = (path: string, token: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAuthorization: Bearer ${token}\r\n\r\n`;
  const bigBody = JSON.stringify({ name: 'x'.repeat(200_000) });

  it('answers the next request after a 401 to an unread body', async () => {
    const statuses = await onOneSocket([post('/api/v1/services', bigBody), get('/api/v1/services', workspace.tokens.viewer)]);
    expect(statuses).toEqual(['401', '200']);
  });

  it('answers the next request after a 401 to a body that arrives late', async () => {
    const request = post('/api/v1/services', bigBody);
    const headersEnd = request.indexOf('\r\n\r\n') + 4;
    const statuses = await onOneSocket([[request.slice(0, headersEnd), request.slice(headersEnd)], get('/api/v1/services', workspace.tokens.viewer)], 800);
    expect(statuses).toEqual(['401', '200']);
  });

  it('answers the next request after a 404 to an unread body', async () => {
    const statuses = await onOneSocket([post('/api/v1/nowhere', bigBody, `Authorization: Bearer ${workspace.tokens.admin}\r\n`), get('/api/v1/services', workspace.tokens.viewer)]);
    expect(statuses).toEqual(['404', '200']);
  });

  it('answers the next request after a 403 to an unread body', async () => {
    const statuses = await onOneSocket([post('/api/v1/tokens', bigBody, `Authorization: Bearer ${workspace.tokens.viewer}\r\n`), get('/api/v1/services', workspace.tokens.viewer)]);
    expect(statuses).toEqual(['403', '200']);
  });

  it('answers the next request after a 413 to an unread body', async () => {
    const tooLarge = JSON.stringify({ name: 'x'.repeat(1_100_000) });
    const statuses = await onOneSocket([post('/api/v1/tokens', tooLarge, `Authorization: Bearer ${workspace.tokens.admin}\r\n`), get('/api/v1/services', workspace.tokens.viewer)]);
    expect(statuses).toEqual(['413', '200']);
  });

  it('says Connection: close when the declared body is too large to drain', async () => {
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 9000000\r\n\r\n{"name":"`);
    const deadline = setTimeout(() => socket.destroy(), 3_000);
    await closed;
    clearTimeout(deadline);
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
  });
});

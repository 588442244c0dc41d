// needs: Postgres, Temporal dev server and its CLI, the local target (real processes)
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTemporalCli } from '../../scripts/temporal/cli.ts';
import { useLocalReleaseFixture } from '../support/local-release.ts';

// Secrets never in plaintext outside the process that uses them: marker values in a secret env variable, a
// webhook URL and an analysis header go through a blue-green and a canary release on the local target; then the
// Temporal history of every run of the workspace (read with the real CLI), every answer a viewer and an
// operator (and an admin, for the audit log) can get, and every log line must hold none of them — while the
// webhook and the analysis endpoint did receive them, so they were used, not dropped.

const markers = { env: `envsecret${randomUUID().replaceAll('-', '')}`, webhook: `hooksecret${randomUUID().replaceAll('-', '')}`, header: `headersecret${randomUUID().replaceAll('-', '')}` };
const lines: string[] = [];
const capture = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));

/** A receiver for webhooks and analysis queries that keeps what it was sent. */
interface Receiver {
  url: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}
async function startReceiver(): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errorRate: 0.01 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const { ctx, register, release, canary, until } = useLocalReleaseFixture('secrets', { logger: capture });
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

/** Every marker found in `text`, by name. */
const found = (text: string) => Object.entries(markers).filter(([, marker]) => text.includes(marker)).map(([name]) => name);

/**
 * The CLI's JSON writes payload data as base64 (`{"metadata": …, "data": "eyJ…"}`): every string of the history
 * is searched as it is and base64-decoded, so a plaintext payload cannot hide behind its encoding.
 */
function historyText(json: string): string {
  const texts: string[] = [json];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (/^[A-Za-z0-9+/=_-]{8,}$/.test(value)) texts.push(Buffer.from(value, 'base64').toString('utf8'));
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(JSON.parse(json));
  return texts.join('\n');
}

async function temporalHistories(): Promise<string> {
  const run = promisify(execFile);
  const cli = ensureTemporalCli();
  const address = inject('temporalAddress');
  const listed = await run(cli, ['workflow', 'list', '--address', address, '--namespace', 'default', '-o', 'json', '--limit', '1000']);
  const runs = (JSON.parse(listed.stdout || '[]') as Array<{ execution: { workflowId: string; runId: string } }>).filter((item) =>
    item.execution.workflowId.includes(ctx.workspace.id),
  );
  expect(runs.length, 'the workspace has release runs to search').toBeGreaterThanOrEqual(2);
  const histories = await Promise.all(
    runs.map(async (item) => (await run(cli, ['workflow', 'show', '--address', address, '-w', item.execution.workflowId, '-r', item.execution.runId, '-o', 'json'], { maxBuffer: 64 * 1024 * 1024 })).stdout),
  );
  return histories.map(historyText).join('\n');
}

describe('secrets through a blue-green and a canary release', () => {
  it('reach the webhook, the app and the analysis endpoint, and nothing else', async () => {
    const name = 'vault';
    await register(name, {
      env: { API_KEY: markers.env, GREETING: 'hello' },
      secretEnv: ['API_KEY'],
      notifications: { webhookUrl: `${receiver.url}/hooks/${markers.webhook}` },
      analysisTemplates: {
        errors: {
          metrics: [{ name: 'errors', provider: { type: 'web', url: `${receiver.url}/metrics`, jsonPath: 'errorRate', headers: { authorization: `Bearer ${markers.header}` } }, successCondition: 'result < 0.05' }],
        },
      },
    });
    const blueGreen = await until((await release(name, '1.0.0')).id);
    expect(blueGreen.status, JSON.stringify(blueGreen)).toBe('succeeded');
    const canaried = await until((await canary(name, '2.0.0', [{ setWeight: 50 }, { analysis: { template: 'errors' } }])).id);
    expect(canaried.status, JSON.stringify(canaried)).toBe('succeeded');

    // Used: the webhook got its secret path and the analysis endpoint its bearer header.
    expect(receiver.requests.some((request) => request.url === `/hooks/${markers.webhook}`)).toBe(true);
    expect(receiver.requests.some((request) => request.headers.authorization === `Bearer ${markers.header}`)).toBe(true);

    // Temporal's history of every run of this workspace: payloads and failures are encrypted.
    expect(found(await temporalHistories())).toEqual([]);

    // Every answer a viewer, an operator and an admin can get about it.
    const { tokens } = ctx.workspace;
    const reads = [
      '/api/v1/services',
      `/api/v1/services/${name}`,
      `/api/v1/services/${name}/history?environment=staging`,
      `/api/v1/services/${name}/traffic?environment=staging`,
      `/api/v1/services/${name}/environments?environment=staging`,
      '/api/v1/deployments',
      `/api/v1/deployments/${blueGreen.id}`,
      `/api/v1/deployments/${canaried.id}`,
      `/api/v1/deployments/${canaried.id}/events`,
      '/api/v1/bindings',
    ];
    for (const token of [tokens.viewer, tokens.operator, tokens.admin]) {
      for (const read of reads) {
        const response = await ctx.harness.call('GET', read, { token });
        expect(response.status, read).toBe(200);
        expect(found(await response.text()), read).toEqual([]);
      }
    }
    const audit = await ctx.harness.call('GET', '/api/v1/audit?limit=200', { token: tokens.admin });
    expect(audit.status).toBe(200);
    expect(found(await audit.text())).toEqual([]);

    // The logs: the API's, the worker's and Temporal's runtime (debug and up), and the supervisor's file.
    expect(lines.length, 'the logs were captured').toBeGreaterThan(10);
    expect(found(lines.join(''))).toEqual([]);
    const supervisorLog = path.join(ctx.supervisor.dataDir, 'supervisor.log');
    if (existsSync(supervisorLog)) expect(found(readFileSync(supervisorLog, 'utf8'))).toEqual([]);
  });
});

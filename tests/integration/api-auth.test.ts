// needs: Postgres, Temporal dev server
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, deployments } from '../../src/db/schema/index.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

let harness: Harness;
let mine: TestWorkspace;
let theirs: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness();
  mine = await createTestWorkspace(harness.db, 'mine');
  theirs = await createTestWorkspace(harness.db, 'theirs');
});
afterAll(() => harness?.close());

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Array<{ path: string; message: string }> };
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  return body;
}

async function deploymentCount(workspaceId: string): Promise<number> {
  const [row] = await harness.db.select({ n: count() }).from(deployments).where(eq(deployments.workspaceId, workspaceId));
  return row?.n ?? 0;
}

const validRelease = { service: 'web', environment: 'dev', version: '1.0.0', strategy: 'dry-run' };

describe('authentication', () => {
  it('rejects a request without a token with 401', async () => {
    await expectError(await harness.call('GET', '/api/v1/deployments'), 401, 'unauthorized');
  });

  it('rejects an unknown token with 401', async () => {
    await expectError(await harness.call('GET', '/api/v1/deployments', { token: 'cut_not-a-real-token' }), 401, 'unauthorized');
  });

  it('rejects a revoked token with 401', async () => {
    const created = await harness.call('POST', '/api/v1/tokens', {
      token: mine.tokens.admin,
      body: { name: 'short-lived', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: string; token: string };
    expect((await harness.call('GET', '/api/v1/deployments', { token: token.token })).status).toBe(200);
    expect((await harness.call('DELETE', `/api/v1/tokens/${token.id}`, { token: mine.tokens.admin })).status).toBe(204);
    await expectError(await harness.call('GET', '/api/v1/deployments', { token: token.token }), 401, 'unauthorized');
  });

  it('leaves /healthz and the OpenAPI document open', async () => {
    expect((await harness.call('GET', '/healthz')).status).toBe(200);
    const doc = (await (await harness.call('GET', '/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/deployments', '/deployments/{id}', '/tokens', '/tokens/{id}', '/workspaces', '/audit']),
    );
  });
});

describe('roles', () => {
  it('refuses a viewer starting a release with 403 and starts nothing', async () => {
    const before = await deploymentCount(mine.id);
    await expectError(
      await harness.call('POST', '/api/v1/deployments', { token: mine.tokens.viewer, body: validRelease }),
      403,
      'forbidden',
    );
    expect(await deploymentCount(mine.id)).toBe(before);
  });

  it('refuses an operator managing tokens with 403', async () => {
    await expectError(
      await harness.call('POST', '/api/v1/tokens', { token: mine.tokens.operator, body: { name: 'x', role: 'admin' } }),
      403,
      'forbidden',
    );
  });
});

describe('workspace isolation', () => {
  it("answers 404 for another workspace's deployment and hides it from lists", async () => {
    const created = await harness.call('POST', '/api/v1/deployments', { token: theirs.tokens.operator, body: validRelease });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    await expectError(await harness.call('GET', `/api/v1/deployments/${id}`, { token: mine.tokens.admin }), 404, 'not_found');
    const listed = (await (await harness.call('GET', '/api/v1/deployments', { token: mine.tokens.admin })).json()) as {
      items: Array<{ id: string }>;
    };
    expect(listed.items.map((item) => item.id)).not.toContain(id);
    expect((await harness.call('GET', `/api/v1/deployments/${id}`, { token: theirs.tokens.viewer })).status).toBe(200);
  });

  it("cannot revoke another workspace's token", async () => {
    const created = (await (
      await harness.call('POST', '/api/v1/tokens', { token: theirs.tokens.admin, body: { name: 'theirs-ci', role: 'operator' } })
    ).json()) as { id: string; token: string };
    await expectError(await harness.call('DELETE', `/api/v1/tokens/${created.id}`, { token: mine.tokens.admin }), 404, 'not_found');
    expect((await harness.call('GET', '/api/v1/deployments', { token: created.token })).status).toBe(200);
  });
});

describe('error shapes', () => {
  it('answers malformed JSON with 400 invalid_json and changes nothing', async () => {
    const before = await deploymentCount(mine.id);
    await expectError(
      await harness.call('POST', '/api/v1/deployments', { token: mine.tokens.operator, rawBody: '{"service": "web",' }),
      400,
      'invalid_json',
    );
    expect(await deploymentCount(mine.id)).toBe(before);
  });

  it('answers schema violations with 422 validation_failed and the field paths', async () => {
    const before = await deploymentCount(mine.id);
    const body = await expectError(
      await harness.call('POST', '/api/v1/deployments', {
        token: mine.tokens.operator,
        body: { service: 'Not A Name', environment: 'dev', version: '', strategy: 'yolo', extra: true },
      }),
      422,
      'validation_failed',
    );
    const paths = body.error.details?.map((detail) => detail.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['json.service', 'json.version', 'json.strategy']));
    expect(await deploymentCount(mine.id)).toBe(before);
  });

  it('validates path and query parameters too', async () => {
    const bad = await expectError(
      await harness.call('GET', '/api/v1/deployments/not-a-uuid', { token: mine.tokens.viewer }),
      422,
      'validation_failed',
    );
    expect(bad.error.details?.[0]?.path).toBe('param.id');
    await expectError(await harness.call('GET', '/api/v1/deployments?limit=1000', { token: mine.tokens.viewer }), 422, 'validation_failed');
    await expectError(await harness.call('GET', '/api/v1/deployments?cursor=garbage', { token: mine.tokens.viewer }), 422, 'validation_failed');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const huge = JSON.stringify({ ...validRelease, options: { blob: 'x'.repeat(1_100_000) } });
    await expectError(
      await harness.call('POST', '/api/v1/deployments', { token: mine.tokens.operator, rawBody: huge }),
      413,
      'payload_too_large',
    );
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    await expectError(await harness.call('GET', '/api/v1/nothing-here', { token: mine.tokens.viewer }), 404, 'not_found');
    await expectError(await harness.call('GET', '/nothing-here'), 404, 'not_found');
  });
});

describe('workspaces', () => {
  it('creates a workspace with a first admin token, and refuses a duplicate name with 409', async () => {
    const name = `new-${Date.now().toString(36)}`;
    // A workspace admin may not make workspaces: that is the platform's.
    await expectError(await harness.call('POST', '/api/v1/workspaces', { token: mine.tokens.admin, body: { name } }), 403, 'forbidden');
    const created = await harness.call('POST', '/api/v1/workspaces', { token: mine.platformAdmin, body: { name } });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { workspace: { id: string }; admin_token: string };
    const tokens = await harness.call('GET', '/api/v1/tokens', { token: body.admin_token });
    expect(tokens.status).toBe(200);
    expect(((await tokens.json()) as { items: Array<{ role: string }> }).items.map((token) => token.role)).toEqual(['admin']);
    await expectError(await harness.call('POST', '/api/v1/workspaces', { token: mine.platformAdmin, body: { name } }), 409, 'conflict');
  });
});

describe('audit log', () => {
  it('records every mutating request with actor, action, target, request id and outcome', async () => {
    const response = await harness.call('POST', '/api/v1/deployments', {
      token: mine.tokens.operator,
      body: { ...validRelease, service: 'audited' },
    });
    expect(response.status).toBe(201);
    const requestId = response.headers.get('x-request-id');
    const { id } = (await response.json()) as { id: string };
    const refused = await harness.call('POST', '/api/v1/deployments', { token: mine.tokens.viewer, body: validRelease });
    const refusedId = refused.headers.get('x-request-id');

    const entries = await eventually(async () => {
      const rows = await harness.db.select().from(auditLog).where(eq(auditLog.workspaceId, mine.id));
      const ok = rows.find((row) => row.requestId === requestId);
      const denied = rows.find((row) => row.requestId === refusedId);
      return ok && denied ? { ok, denied } : undefined;
    });
    expect(entries.ok).toMatchObject({
      actor: `${mine.name}-operator`,
      action: 'deployment.create',
      target: `deployment/${id}`,
      outcome: 'success',
      statusCode: 201,
    });
    expect(entries.denied).toMatchObject({ actor: `${mine.name}-viewer`, outcome: 'failure', statusCode: 403 });

    const viaApi = (await (await harness.call('GET', '/api/v1/audit?limit=50', { token: mine.tokens.admin })).json()) as {
      items: Array<{ request_id: string }>;
    };
    expect(viaApi.items.map((item) => item.request_id)).toEqual(expect.arrayContaining([requestId, refusedId]));
  });
});

describe('strategy options', () => {
  it('checks options against the strategy and names the bad ones', async () => {
    const before = await deploymentCount(mine.id);
    const body = await expectError(
      await harness.call('POST', '/api/v1/deployments', {
        token: mine.tokens.operator,
        body: { ...validRelease, strategy: 'blue-green', options: { timings: { monitorIntervalMs: 5 }, surprise: 1 } },
      }),
      422,
      'validation_failed',
    );
    expect(body.error.details?.map((detail) => detail.path)).toEqual(
      expect.arrayContaining(['json.options.timings.monitorIntervalMs', 'json.options']),
    );
    await expectError(
      await harness.call('POST', '/api/v1/deployments', { token: mine.tokens.operator, body: { ...validRelease, options: { x: 1 } } }),
      422,
      'validation_failed',
    );
    expect(await deploymentCount(mine.id)).toBe(before);
  });

  it('answers 404 for a blue-green release of a service that is not registered', async () => {
    await expectError(
      await harness.call('POST', '/api/v1/deployments', {
        token: mine.tokens.operator,
        body: { ...validRelease, service: 'unregistered', strategy: 'blue-green' },
      }),
      404,
      'not_found',
    );
  });
});

// needs: Postgres, Temporal dev server
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.ts';
import { serveForCli } from '../support/cli.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// OFREP through the published OpenFeature provider (@openfeature/ofrep-provider on @openfeature/server-sdk),
// unmodified, against the real API over HTTP.
let harness: Harness;
let workspace: TestWorkspace;
let server: Awaited<ReturnType<typeof serveForCli>>;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'ofrep');
  server = await serveForCli(harness.app);
  const created = await harness.call('POST', '/api/v1/features', {
    token: workspace.tokens.operator,
    // No rollout: only the staff rule gives one-page.
    body: checkoutFlag({ rollout_pct: 0 }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
});
afterAll(async () => {
  await OpenFeature.close();
  await server?.close();
  await harness?.close();
});

describe('OFREP', () => {
  it("answers the OpenFeature provider: a rule's variant, the default outside the rollout, and a missing flag's error code", async () => {
    await OpenFeature.setProviderAndWait(
      new OFREPProvider({ baseUrl: `${server.url}/api/v1/flags/staging`, headers: [['Authorization', `Bearer ${workspace.tokens.viewer}`]] }),
    );
    const client = OpenFeature.getClient();
    const staff = await client.getStringDetails('new-checkout', 'fallback', { targetingKey: 'u-1', email: 'ada@cutover.dev' });
    expect(staff).toMatchObject({ value: 'one-page', variant: 'one-page', reason: 'TARGETING_MATCH' });
    expect(staff.flagMetadata).toMatchObject({ flag_version: 1, rule_id: 'staff' });
    const customer = await client.getStringDetails('new-checkout', 'fallback', { targetingKey: 'u-2', email: 'bo@example.test' });
    expect(customer).toMatchObject({ value: 'classic', reason: 'DEFAULT' });
    const missing = await client.getStringDetails('no-such-flag', 'fallback', { targetingKey: 'u-1' });
    expect(missing).toMatchObject({ value: 'fallback', errorCode: 'FLAG_NOT_FOUND' });
    // Evaluations are reads sent as POST: no audit rows.
    const rows = await harness.db.select().from(auditLog).where(eq(auditLog.workspaceId, workspace.id));
    expect(rows.filter((row) => row.action.includes('ofrep'))).toEqual([]);
  });

  it('evaluates every flag in bulk, with an ETag that answers 304 until a flag changes, and refuses a context that is not an object', async () => {
    const bulk = (headers: Record<string, string> = {}) =>
      fetch(`${server.url}/api/v1/flags/staging/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        headers: { authorization: `Bearer ${workspace.tokens.viewer}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ context: { targetingKey: 'u-1', email: 'ada@cutover.dev' } }),
      });
    const first = await bulk();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { flags: unknown[] }).flags).toEqual([expect.objectContaining({ key: 'new-checkout', variant: 'one-page' })]);
    const etag = first.headers.get('etag')!;
    expect((await bulk({ 'if-none-match': etag })).status).toBe(304);

    const flags = (await (await harness.call('GET', '/api/v1/features?environment=staging', { token: workspace.tokens.viewer })).json()) as { items: Array<{ id: string }> };
    const { id } = flags.items[0]!;
    const changed = await harness.call('PUT', `/api/v1/features/${id}`, {
      token: workspace.tokens.operator,
      body: { name: 'New checkout', type: 'string', enabled: false, variants: [{ key: 'classic', value: 'classic', weight: 1 }], default_variant: 'classic', version: 1 },
    });
    expect(changed.status, await changed.clone().text()).toBe(200);
    const after = await bulk({ 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { flags: unknown[] }).flags).toEqual([expect.objectContaining({ key: 'new-checkout', reason: 'DISABLED', value: 'classic' })]);

    const bad = await fetch(`${server.url}/api/v1/flags/staging/ofrep/v1/evaluate/flags/new-checkout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${workspace.tokens.viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: ['not', 'an', 'object'] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ key: 'new-checkout', errorCode: 'INVALID_CONTEXT' });

    // Another workspace's token finds no such flag.
    const other = await createTestWorkspace(harness.db, 'ofrep-other');
    const elsewhere = await fetch(`${server.url}/api/v1/flags/staging/ofrep/v1/evaluate/flags/new-checkout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.tokens.owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: 'u-1' } }),
    });
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
  });
});

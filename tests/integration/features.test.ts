// needs: Postgres, Temporal dev server
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/flags/bucket.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { apiAs, expectBody } from '../support/api-calls.ts';

// Feature flags through the API: create (checked as a whole), evaluate by rules, rollout and default, replace
// with the version read, the flag's audit trail, quotas and isolation between workspaces and environments.
let harness: Harness;
let workspace: TestWorkspace;
let other: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'flags');
  other = await createTestWorkspace(harness.db, 'flags-other');
});
afterAll(() => harness?.close());


const as = (token: string) => apiAs(harness, token);

interface Feature {
  id: string;
  key: string;
  version: number;
  enabled: boolean;
  rollout_pct: number;
}
interface Evaluation {
  variant: string;
  value: unknown;
  reason: string;
  rule_id: string | null;
  bucket: number | null;
  flag_version: number;
}

describe('feature flags', () => {
  it('creates a flag, refuses a second with its key (409) and one that would not evaluate (422 naming the field)', async () => {
    const operator = as(workspace.tokens.operator);
    const created = await expectBody<Feature>(await operator.post('/features', checkoutFlag()), 201);
    expect(created).toMatchObject({ key: 'new-checkout', version: 1, enabled: true, rollout_pct: 25 });
    await expectBody(await operator.post('/features', checkoutFlag()), 409);
    // The same key in another environment is another flag.
    await expectBody(await operator.post('/features', checkoutFlag({ environment: 'production', enabled: false })), 201);

    const bad = async (overrides: Record<string, unknown>, field: string) => {
      const error = await expectBody<{ error: { details: Array<{ path: string }> } }>(await operator.post('/features', checkoutFlag({ key: 'bad', ...overrides })), 422);
      expect(JSON.stringify(error.error.details)).toContain(field);
    };
    await bad({ default_variant: 'nope' }, 'default_variant');
    await bad({ variants: [{ key: 'classic', value: 3, weight: 1 }] }, 'variants');
    await bad({ rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'regex', values: ['(unclosed'] }] }] }, 'rules');
    await expectBody(await as(workspace.tokens.viewer).post('/features', checkoutFlag({ key: 'viewer-flag' })), 403);

    const list = await expectBody<{ items: Feature[] }>(await operator.get('/features?environment=staging'), 200);
    expect(list.items.map((item) => item.key)).toEqual(['new-checkout']);
  });

  it('evaluates by rule, rollout and default, with Unleash buckets, by POST and by GET', async () => {
    const viewer = as(workspace.tokens.viewer);
    const { items } = await expectBody<{ items: Feature[] }>(await viewer.get('/features?environment=staging'), 200);
    const id = items[0]!.id;
    const staff = await expectBody<Evaluation>(await viewer.post(`/features/${id}/evaluate`, { context: { user_id: 'u-1', email: 'ada@cutover.dev' } }), 200);
    expect(staff).toMatchObject({ variant: 'one-page', reason: 'TARGETING_MATCH', rule_id: 'staff', flag_version: 1 });

    let inside = 0;
    for (let i = 0; i < 200; i++) {
      const user = `user-${i}`;
      const result = await expectBody<Evaluation>(await viewer.get(`/features/${id}/evaluate?user_id=${user}`), 200);
      expect(result.bucket).toBe(bucketOf('new-checkout', user));
      expect(result.reason).toBe(result.bucket! <= 25 ? 'SPLIT' : 'DEFAULT');
      if (result.reason === 'SPLIT') inside++;
    }
    expect(inside).toBeGreaterThan(25);
    expect(inside).toBeLessThan(80);

    const production = (await expectBody<{ items: Feature[] }>(await viewer.get('/features?environment=production'), 200)).items[0]!;
    expect(await expectBody<Evaluation>(await viewer.post(`/features/${production.id}/evaluate`, { context: { user_id: 'u-1' } }), 200)).toMatchObject({ reason: 'DISABLED', variant: 'classic' });
  });

  it('replaces with the version it read (409 when stale), and keeps every change with before, after and who', async () => {
    const operator = as(workspace.tokens.operator);
    const { items } = await expectBody<{ items: Feature[] }>(await operator.get('/features?environment=staging'), 200);
    const id = items[0]!.id;
    const { key: _key, environment: _environment, ...fields } = checkoutFlag();
    const raised = await expectBody<Feature>(await operator.put(`/features/${id}`, { ...fields, rollout_pct: 50, version: 1 }), 200);
    expect(raised).toMatchObject({ version: 2, rollout_pct: 50 });
    const stale = await expectBody<{ error: { message: string } }>(await operator.put(`/features/${id}`, { ...fields, rollout_pct: 75, version: 1 }), 409);
    expect(stale.error.message).toMatch(/changed since version 1 \(it is at 2\)/);
    await expectBody(await operator.put(`/features/${id}`, { ...fields, default_variant: 'gone', version: 2 }), 422);

    const audit = await expectBody<{ items: Array<{ action: string; actor: string; details: { before: { rollout_pct: number } | null; after: { rollout_pct: number } } }> }>(
      await operator.get(`/features/${id}/audit-log`),
      200,
    );
    const update = audit.items.find((item) => item.action === 'feature.update' && item.details?.after?.rollout_pct === 50);
    expect(update).toMatchObject({ actor: `${workspace.name}-operator`, details: { before: { rollout_pct: 25 }, after: { rollout_pct: 50 } } });
    expect(audit.items.some((item) => item.action === 'feature.create')).toBe(true);
  });

  it('keeps workspaces apart, counts flags against the quota, and deletes', async () => {
    const { items } = await expectBody<{ items: Feature[] }>(await as(workspace.tokens.viewer).get('/features'), 200);
    const id = items[0]!.id;
    await expectBody(await as(other.tokens.owner).get(`/features/${id}`), 404);
    await expectBody(await as(other.tokens.owner).post(`/features/${id}/evaluate`, { context: {} }), 404);
    expect((await expectBody<{ items: Feature[] }>(await as(other.tokens.viewer).get('/features'), 200)).items).toEqual([]);

    const put = await harness.call('PUT', `/api/v1/workspaces/${other.id}/quotas`, { token: other.platformAdmin, body: { feature_flags: 1 } });
    expect(put.status).toBe(200);
    await expectBody(await as(other.tokens.operator).post('/features', checkoutFlag({ key: 'first' })), 201);
    const refused = await expectBody<{ error: { code: string; details: { quota: string } } }>(await as(other.tokens.operator).post('/features', checkoutFlag({ key: 'second' })), 429);
    expect(refused.error).toMatchObject({ code: 'quota_exceeded', details: { quota: 'feature_flags' } });

    await expectBody(await as(workspace.tokens.viewer).delete(`/features/${id}`), 403);
    expect((await as(workspace.tokens.operator).delete(`/features/${id}`)).status).toBe(204);
    await expectBody(await as(workspace.tokens.viewer).get(`/features/${id}`), 404);
  });
});

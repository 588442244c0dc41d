// needs: Postgres, Temporal dev server
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/db/repositories/audit.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { apiAs, expectBody } from '../support/api-calls.ts';

// Segments through the API: made, read, replaced and deleted per environment; a flag's rule naming one matches
// by its conditions, read afresh on every evaluation; a segment a rule names cannot be deleted.
let harness: Harness;
let workspace: TestWorkspace;
let other: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'segments');
  other = await createTestWorkspace(harness.db, 'segments-other');
});
afterAll(() => harness?.close());


const as = (token: string) => apiAs(harness, token);

interface Segment {
  id: string;
  key: string;
  environment: string;
  conditions: Array<{ attribute: string; operator: string; values: string[] }>;
}
interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const countryIn = (...values: string[]) => [{ attribute: 'country', operator: 'in', values }];
const euSegment = (overrides: Record<string, unknown> = {}) => ({ key: 'eu', environment: 'staging', conditions: countryIn('de', 'fr'), ...overrides });

describe('segments', () => {
  it('creates per environment (409 for a key it has, 422 for bad conditions, 403 below operator), lists and reads', async () => {
    const operator = as(workspace.tokens.operator);
    const created = await expectBody<Segment>(await operator.post('/segments', euSegment()), 201);
    expect(created).toMatchObject({ key: 'eu', environment: 'staging', conditions: countryIn('de', 'fr') });
    await expectBody(await operator.post('/segments', euSegment()), 409);
    await expectBody(await operator.post('/segments', euSegment({ environment: 'production' })), 201);

    const invalid = await expectBody<ErrorBody>(await operator.post('/segments', euSegment({ key: 'broken', conditions: [{ attribute: 'a', operator: 'regex', values: ['(unclosed'] }] })), 422);
    expect(invalid.error.code).toBe('validation_failed');
    expect(JSON.stringify(invalid.error.details)).toContain('json.conditions.0.values.0');
    await expectBody(await operator.post('/segments', euSegment({ key: 'Not A Key' })), 422);
    await expectBody(await operator.post('/segments', euSegment({ key: 'empty', conditions: [] })), 422);
    await expectBody(await as(workspace.tokens.viewer).post('/segments', euSegment({ key: 'viewers' })), 403);

    const viewer = as(workspace.tokens.viewer);
    const staging = await expectBody<{ items: Segment[] }>(await viewer.get('/segments?environment=staging'), 200);
    expect(staging.items.map((item) => item.key)).toEqual(['eu']);
    expect((await expectBody<{ items: Segment[] }>(await viewer.get('/segments'), 200)).items.map((item) => `${item.environment}/${item.key}`)).toEqual(['production/eu', 'staging/eu']);
    expect(await expectBody<Segment>(await viewer.get(`/segments/${created.id}`), 200)).toEqual(created);

    // Another workspace sees none of it.
    await expectBody(await as(other.tokens.owner).get(`/segments/${created.id}`), 404);
    await expectBody(await as(other.tokens.owner).put(`/segments/${created.id}`, { conditions: countryIn('xx') }), 404);
    expect((await expectBody<{ items: Segment[] }>(await as(other.tokens.viewer).get('/segments'), 200)).items).toEqual([]);

    const audit = await listAuditEntries(harness.db, workspace.id, 10, { target: `segment/${created.id}` });
    expect(audit.map((entry) => entry.action)).toEqual(['segment.create']);
    expect(audit[0]!.details).toMatchObject({ before: null, after: { key: 'eu', conditions: countryIn('de', 'fr') } });
  });

  it("matches a rule naming a segment by the segment's conditions, and uses a change on the next evaluation", async () => {
    const operator = as(workspace.tokens.operator);
    const [segment] = (await expectBody<{ items: Segment[] }>(await operator.get('/segments?environment=staging'), 200)).items;
    const flag = await expectBody<{ id: string }>(
      await operator.post('/features', checkoutFlag({ key: 'eu-checkout', rollout_pct: 0, rules: [{ id: 'eu-only', segments: ['eu'], variant: 'one-page' }] })),
      201,
    );
    const evaluate = async (country: string) =>
      expectBody<{ variant: string; reason: string; rule_id: string | null }>(await operator.post(`/features/${flag.id}/evaluate`, { context: { user_id: 'u-1', country } }), 200);
    expect(await evaluate('de')).toMatchObject({ variant: 'one-page', reason: 'TARGETING_MATCH', rule_id: 'eu-only' });
    expect(await evaluate('us')).toMatchObject({ variant: 'classic', reason: 'DEFAULT', rule_id: null });

    // Bad conditions change nothing.
    await expectBody(await operator.put(`/segments/${segment!.id}`, { conditions: [{ attribute: 'country', operator: 'nearly', values: ['us'] }] }), 422);
    await expectBody(await as(workspace.tokens.viewer).put(`/segments/${segment!.id}`, { conditions: countryIn('us') }), 403);
    expect((await expectBody<Segment>(await operator.get(`/segments/${segment!.id}`), 200)).conditions).toEqual(countryIn('de', 'fr'));

    const replaced = await expectBody<Segment>(await operator.put(`/segments/${segment!.id}`, { conditions: countryIn('us') }), 200);
    expect(replaced.conditions).toEqual(countryIn('us'));
    expect(await evaluate('us')).toMatchObject({ variant: 'one-page', reason: 'TARGETING_MATCH', rule_id: 'eu-only' });
    expect(await evaluate('de')).toMatchObject({ variant: 'classic', reason: 'DEFAULT' });

    const [update] = await listAuditEntries(harness.db, workspace.id, 10, { target: `segment/${segment!.id}` });
    expect(update).toMatchObject({ action: 'segment.update', details: { before: { conditions: countryIn('de', 'fr') }, after: { conditions: countryIn('us') } } });
  });

  it('refuses to delete a segment a rule of its environment names (409 with the flags), deletes it once none does', async () => {
    const operator = as(workspace.tokens.operator);
    const segments = (await expectBody<{ items: Segment[] }>(await operator.get('/segments'), 200)).items;
    const staging = segments.find((segment) => segment.environment === 'staging')!;
    const production = segments.find((segment) => segment.environment === 'production')!;
    await expectBody(await operator.post('/features', checkoutFlag({ key: 'eu-banner', rules: [{ id: 'other', conditions: [], segments: ['beta', 'eu'] }] })), 201);

    const refused = await expectBody<ErrorBody>(await operator.delete(`/segments/${staging.id}`), 409);
    expect(refused.error.details).toEqual({ flags: ['eu-banner', 'eu-checkout'] });
    await expectBody(await operator.get(`/segments/${staging.id}`), 200);
    await expectBody(await as(workspace.tokens.viewer).delete(`/segments/${production.id}`), 403);
    // Production's eu is named by no production flag (staging's flags name staging's segments).
    await expectBody(await operator.delete(`/segments/${production.id}`), 204);

    for (const key of ['eu-banner', 'eu-checkout']) {
      const flag = (await expectBody<{ items: Array<{ id: string; key: string; version: number }> }>(await operator.get('/features?environment=staging'), 200)).items.find((item) => item.key === key)!;
      const { key: _key, environment: _environment, ...fields } = checkoutFlag();
      await expectBody(await operator.put(`/features/${flag.id}`, { ...fields, version: flag.version }), 200);
    }
    await expectBody(await operator.delete(`/segments/${staging.id}`), 204);
    await expectBody(await operator.get(`/segments/${staging.id}`), 404);
    const [deleted] = await listAuditEntries(harness.db, workspace.id, 10, { target: `segment/${staging.id}` });
    expect(deleted).toMatchObject({ action: 'segment.delete', details: { before: { key: 'eu' }, after: null } });
  });
});

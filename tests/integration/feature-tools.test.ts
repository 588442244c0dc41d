// needs: Postgres, Temporal dev server
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/db/repositories/audit.ts';
import { movedShare } from '../../src/flags/evaluate.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser } from '../support/people.ts';
import { apiAs, expectBody } from '../support/api-calls.ts';

// A flag copied to another environment (created there, then replaced as its next version), checked by key for a
// user, and a weight or rollout change previewed before it is saved.
let harness: Harness;
let workspace: TestWorkspace;
let other: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'flag-tools');
  other = await createTestWorkspace(harness.db, 'flag-tools-other');
});
afterAll(() => harness?.close());


const as = (token: string) => apiAs(harness, token);

interface Feature {
  id: string;
  key: string;
  environment: string;
  version: number;
  enabled: boolean;
  rollout_pct: number;
  rules: unknown[];
  variants: unknown[];
}
interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
interface AuditItem {
  action: string;
  details: { from?: { id: string }; before: { version: number } | null; after: { version: number; rollout_pct: number } };
}

const replaceFields = (overrides: Record<string, unknown> = {}) => {
  const { key: _key, environment: _environment, ...fields } = checkoutFlag(overrides);
  return fields;
};

describe('copying a flag to another environment', () => {
  it('needs the segments its rules name there (422 naming them), creates the flag (201), then replaces it as the next version (200)', async () => {
    const operator = as(workspace.tokens.operator);
    await expectBody(await operator.post('/segments', { key: 'beta', environment: 'staging', conditions: [{ attribute: 'plan', operator: 'in', values: ['beta'] }] }), 201);
    const rules = [{ id: 'beta', conditions: [], segments: ['beta'], variant: 'one-page' }];
    const source = await expectBody<Feature>(await operator.post('/features', checkoutFlag({ key: 'promo', rules })), 201);

    const missing = await expectBody<ErrorBody>(await operator.post(`/features/${source.id}/copy`, { environment: 'production' }), 422);
    expect(missing.error).toMatchObject({ code: 'segments_missing', details: { environment: 'production', segments: ['beta'] } });
    expect((await expectBody<{ items: Feature[] }>(await operator.get('/features?environment=production'), 200)).items).toEqual([]);
    await expectBody(await operator.post(`/features/${source.id}/copy`, { environment: 'staging' }), 422);
    await expectBody(await operator.post(`/features/${source.id}/copy`, { environment: 'Production!' }), 422);
    await expectBody(await as(workspace.tokens.viewer).post(`/features/${source.id}/copy`, { environment: 'production' }), 403);
    await expectBody(await as(other.tokens.owner).post(`/features/${source.id}/copy`, { environment: 'production' }), 404);

    await expectBody(await operator.post('/segments', { key: 'beta', environment: 'production', conditions: [{ attribute: 'plan', operator: 'in', values: ['beta'] }] }), 201);
    const created = await expectBody<Feature>(await operator.post(`/features/${source.id}/copy`, { environment: 'production' }), 201);
    expect(created).toMatchObject({ key: 'promo', environment: 'production', version: 1, enabled: true, rollout_pct: 25, rules: [{ id: 'beta', segments: ['beta'], variant: 'one-page' }] });
    expect(created.id).not.toBe(source.id);
    expect(created.variants).toEqual(source.variants);

    await expectBody(await operator.put(`/features/${source.id}`, { ...replaceFields({ rules, rollout_pct: 60 }), version: 1 }), 200);
    const replaced = await expectBody<Feature>(await operator.post(`/features/${source.id}/copy`, { environment: 'production' }), 200);
    expect(replaced).toMatchObject({ id: created.id, environment: 'production', version: 2, rollout_pct: 60 });
    // The copy evaluates in production with production's segment.
    const evaluation = await expectBody<{ variant: string; rule_id: string }>(await operator.post(`/features/${created.id}/evaluate`, { context: { user_id: 'u-1', plan: 'beta' } }), 200);
    expect(evaluation).toMatchObject({ variant: 'one-page', rule_id: 'beta' });

    const audit = await expectBody<{ items: AuditItem[] }>(await operator.get(`/features/${created.id}/audit-log`), 200);
    const copies = audit.items.filter((item) => item.action === 'feature.copy');
    expect(copies.map((item) => [item.details.before?.version ?? null, item.details.after.version])).toEqual([
      [1, 2],
      [null, 1],
    ]);
    expect(copies[0]!.details).toMatchObject({ from: { id: source.id }, after: { rollout_pct: 60 } });
  });

  it('needs an operator in both environments', async () => {
    const operator = as(workspace.tokens.operator);
    const staging = await expectBody<Feature>(await operator.post('/features', checkoutFlag({ key: 'two-sided' })), 201);
    const production = await expectBody<Feature>(await operator.post('/features', checkoutFlag({ key: 'two-sided-prod', environment: 'production' })), 201);
    // An operator of the workspace who only views production.
    const narrowed = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', environmentRoles: { production: 'viewer' } });
    const copy = (id: string, environment: string) => harness.call('POST', `/api/v1/features/${id}/copy`, { headers: narrowed.session.write, body: { environment } });
    expect((await expectBody<ErrorBody>(await copy(staging.id, 'production'), 403)).error.message).toMatch(/operator role in production/);
    expect((await expectBody<ErrorBody>(await copy(production.id, 'staging'), 403)).error.message).toMatch(/operator role in production/);
    expect((await expectBody<Feature>(await copy(staging.id, 'qa'), 201)).environment).toBe('qa');
    const keys = (await expectBody<{ items: Feature[] }>(await operator.get('/features?environment=production'), 200)).items.map((item) => item.key);
    expect(keys.filter((key) => key.startsWith('two-sided'))).toEqual(['two-sided-prod']);
  });
});

describe('checking a flag by key', () => {
  interface Check {
    key: string;
    enabled: boolean;
    variant: string;
    reason: string;
  }
  const booleanFlag = (overrides: Record<string, unknown>) => ({
    environment: 'staging',
    name: 'a boolean flag',
    type: 'boolean',
    enabled: true,
    variants: [
      { key: 'off', value: false, weight: 0 },
      { key: 'on', value: true, weight: 100 },
    ],
    default_variant: 'off',
    ...overrides,
  });

  it('answers enabled, variant and reason; userId is the stickiness attribute unless given, other parameters are attributes', async () => {
    const operator = as(workspace.tokens.operator);
    await expectBody(
      await operator.post(
        '/features',
        booleanFlag({
          key: 'dark-mode',
          rules: [
            { id: 'ada', conditions: [{ attribute: 'user_id', operator: 'in', values: ['ada'] }], variant: 'on' },
            { id: 'staff', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@cutover.dev'] }], variant: 'on' },
          ],
        }),
      ),
      201,
    );
    const viewer = as(workspace.tokens.viewer);
    const check = async (query: string) => expectBody<Check>(await viewer.get(`/features/dark-mode/check?environment=staging&${query}`), 200);
    expect(await check('userId=ada')).toEqual({ key: 'dark-mode', enabled: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(await check('userId=bob')).toEqual({ key: 'dark-mode', enabled: false, variant: 'off', reason: 'DEFAULT' });
    expect(await check('userId=bob&email=grace%40cutover.dev')).toMatchObject({ enabled: true, variant: 'on' });
    expect(await check('userId=bob&user_id=ada')).toMatchObject({ enabled: true });
    expect(await check('userId=ada&user_id=bob')).toMatchObject({ enabled: false });

    // Another stickiness attribute takes userId.
    await expectBody(await operator.post('/features', booleanFlag({ key: 'by-account', stickiness: 'account', rules: [{ id: 'acme', conditions: [{ attribute: 'account', operator: 'in', values: ['acme'] }], variant: 'on' }] })), 201);
    expect(await expectBody<Check>(await viewer.get('/features/by-account/check?environment=staging&userId=acme'), 200)).toMatchObject({ enabled: true, reason: 'TARGETING_MATCH' });

    // Other types: on when the variant is not the default one.
    await expectBody(await operator.post('/features', checkoutFlag({ key: 'checkout-check', rollout_pct: 0 })), 201);
    const string = async (query: string) => expectBody<Check>(await viewer.get(`/features/checkout-check/check?environment=staging&${query}`), 200);
    expect(await string('userId=u-1&email=ada%40cutover.dev')).toEqual({ key: 'checkout-check', enabled: true, variant: 'one-page', reason: 'TARGETING_MATCH' });
    expect(await string('userId=u-1')).toEqual({ key: 'checkout-check', enabled: false, variant: 'classic', reason: 'DEFAULT' });

    await expectBody(await operator.post('/features', booleanFlag({ key: 'switched-off', enabled: false })), 201);
    expect(await expectBody<Check>(await viewer.get('/features/switched-off/check?environment=staging&userId=ada'), 200)).toMatchObject({ enabled: false, reason: 'DISABLED' });
  });

  it('takes a key where the /features/{id} routes take a uuid, and neither reads the other', async () => {
    const viewer = as(workspace.tokens.viewer);
    const flag = (await expectBody<{ items: Feature[] }>(await viewer.get('/features?environment=staging'), 200)).items.find((item) => item.key === 'dark-mode')!;
    // The flag's id is a well-formed key, but no flag has it as its key.
    await expectBody(await viewer.get(`/features/${flag.id}/check?environment=staging&userId=ada`), 404);
    expect((await expectBody<ErrorBody>(await viewer.get('/features/dark-mode'), 422)).error.code).toBe('validation_failed');
    expect((await expectBody<Feature>(await viewer.get(`/features/${flag.id}`), 200)).key).toBe('dark-mode');
    await expectBody(await viewer.get(`/features/${flag.id}/evaluate?user_id=ada`), 200);

    await expectBody(await viewer.get('/features/dark-mode/check?userId=ada'), 422);
    await expectBody(await viewer.get('/features/Dark_Mode!/check?environment=staging'), 422);
    await expectBody(await viewer.get('/features/dark-mode/check?environment=production&userId=ada'), 404);
    await expectBody(await viewer.get('/features/no-such-flag/check?environment=staging'), 404);
    await expectBody(await as(other.tokens.owner).get('/features/dark-mode/check?environment=staging&userId=ada'), 404);
  });
});

describe('previewing a weight or rollout change', () => {
  const weighted = checkoutFlag({
    key: 'weights',
    variants: [
      { key: 'classic', value: 'classic', weight: 50 },
      { key: 'one-page', value: 'one-page', weight: 50 },
    ],
  });
  interface Preview {
    moved_share: number;
    moved_buckets_estimate: number;
    rollout: { from: number; to: number; added_share: number; removed_share: number };
  }

  it('estimates who moves by movedShare and answers the rollout difference; changes nothing', async () => {
    const operator = as(workspace.tokens.operator);
    const flag = await expectBody<Feature>(await operator.post('/features', weighted), 201);
    const viewer = as(workspace.tokens.viewer);
    const preview = async (json: unknown) => expectBody<Preview>(await viewer.post(`/features/${flag.id}/preview`, json), 200);

    expect(await preview({})).toEqual({ moved_share: 0, moved_buckets_estimate: 0, rollout: { from: 25, to: 25, added_share: 0, removed_share: 0 } });
    const expected = movedShare({ key: 'weights', variants: weighted.variants }, { classic: 100, 'one-page': 0 });
    expect(expected).toBeGreaterThan(0.4);
    const skewed = await preview({ variants: [{ key: 'classic', weight: 100 }, { key: 'one-page', weight: 0 }] });
    expect(skewed).toEqual({ moved_share: expected, moved_buckets_estimate: Math.round(expected * 100), rollout: { from: 25, to: 25, added_share: 0, removed_share: 0 } });
    // A variant not named keeps its weight.
    expect((await preview({ variants: [{ key: 'classic', weight: 150 }] })).moved_share).toBe(movedShare({ key: 'weights', variants: weighted.variants }, { classic: 150 }));

    expect((await preview({ rollout_pct: 60 })).rollout).toEqual({ from: 25, to: 60, added_share: 0.35, removed_share: 0 });
    expect((await preview({ rollout_pct: 10 })).rollout).toEqual({ from: 25, to: 10, added_share: 0, removed_share: 0.15 });

    const bad = async (json: unknown, path: string) => {
      const error = await expectBody<ErrorBody>(await viewer.post(`/features/${flag.id}/preview`, json), 422);
      expect(error.error.code).toBe('validation_failed');
      expect(JSON.stringify(error.error.details)).toContain(path);
    };
    await bad({ variants: [{ key: 'nope', weight: 10 }] }, 'json.variants.0.key');
    await bad({ variants: [{ key: 'classic', weight: 10 }, { key: 'classic', weight: 20 }] }, 'json.variants.1.key');
    await bad({ variants: [{ key: 'classic', weight: -1 }] }, 'json.variants.0.weight');
    await bad({ rollout_pct: 101 }, 'json.rollout_pct');
    await bad({ rollout_pct: 50, version: 1 }, 'json');

    const after = await expectBody<Feature>(await viewer.get(`/features/${flag.id}`), 200);
    expect(after).toMatchObject({ version: 1, rollout_pct: 25, variants: weighted.variants });
    const audit = await expectBody<{ items: AuditItem[] }>(await viewer.get(`/features/${flag.id}/audit-log`), 200);
    expect(audit.items.map((item) => item.action)).toEqual(['feature.create']);
    expect(await listAuditEntries(harness.db, workspace.id, 10, { target: `/api/v1/features/${flag.id}/preview` })).toEqual([]);
    await expectBody(await as(other.tokens.owner).post(`/features/${flag.id}/preview`, {}), 404);
  });
});

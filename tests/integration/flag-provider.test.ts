// needs: Postgres, Temporal dev server
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp, type RunningServer } from '../../src/api/serve.ts';
import { featureEvents } from '../../src/db/schema/index.ts';
import { CutoverProvider } from '../../src/sdk/openfeature-provider.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { expectBody } from '../support/api-calls.ts';

// The in-repo OpenFeature provider against a served API: it evaluates from the streamed configuration exactly as
// the API does, sees a change within moments of its save (NOTIFY from the database), sees only its workspace
// environment, and batches impressions and conversions that GET /features/{id}/stats then counts.
let harness: Harness;
let server: RunningServer;
let workspace: TestWorkspace;
let other: TestWorkspace;
let apiUrl: string;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  server = await serveApp(harness.app, { port: 0, hostname: '127.0.0.1' });
  apiUrl = `http://127.0.0.1:${server.port}`;
  workspace = await createTestWorkspace(harness.db, 'provider');
  other = await createTestWorkspace(harness.db, 'provider-other');
});
afterAll(async () => {
  await OpenFeature.close();
  await server?.close();
  await harness?.close();
});


interface Feature {
  id: string;
  version: number;
}

/** A provider bound to an OpenFeature domain of its own, so tests don't share the global one. */
async function connect(domain: string, token: string, environment = 'staging') {
  const provider = new CutoverProvider({ apiUrl, token, environment, flushIntervalMs: 60_000 });
  await OpenFeature.setProviderAndWait(domain, provider);
  return { provider, client: OpenFeature.getClient(domain) };
}

/** Resolves when the provider's next configuration change names `flagKey`; the time it took in ms. */
function nextChange(provider: CutoverProvider, flagKey: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const handler = (details?: { flagsChanged?: string[] } & Record<string, unknown>) => {
      if (!details?.flagsChanged?.includes(flagKey)) return;
      provider.events.removeHandler(ProviderEvents.ConfigurationChanged, handler);
      resolve(performance.now() - started);
    };
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, handler);
  });
}

describe('the Cutover OpenFeature provider', () => {
  let flag: Feature;

  it('evaluates in process exactly as the API does, and sees a saved change within moments', async () => {
    flag = await expectBody<Feature>(await harness.call('POST', '/api/v1/features', { token: workspace.tokens.operator, body: checkoutFlag() }), 201);
    const { provider, client } = await connect('same-answers', workspace.tokens.viewer);
    for (let i = 0; i < 60; i++) {
      const context: Record<string, string> & { targetingKey: string } = i % 10 === 0 ? { targetingKey: `u-${i}`, email: `u${i}@cutover.dev` } : { targetingKey: `u-${i}` };
      const local = await client.getStringDetails('new-checkout', 'fallback', context);
      const remote = await expectBody<{ variant: string; value: string; reason: string }>(
        await harness.call('POST', `/api/v1/features/${flag.id}/evaluate`, { token: workspace.tokens.viewer, body: { context: { ...context, user_id: context.targetingKey } } }),
        200,
      );
      expect({ variant: local.variant, value: local.value, reason: local.reason }).toEqual({ variant: remote.variant, value: remote.value, reason: remote.reason });
    }
    // A boolean read of a string flag is the caller's mistake, said as OpenFeature says it.
    expect(await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u-1' })).toMatchObject({ value: false, errorCode: 'TYPE_MISMATCH' });
    expect(await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u-1' })).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });

    // Everyone gets one-page once the rollout is 100%: no restart, no poll.
    const seen = nextChange(provider, 'new-checkout');
    const { key: _key, environment: _environment, ...fields } = checkoutFlag();
    await expectBody(await harness.call('PUT', `/api/v1/features/${flag.id}`, { token: workspace.tokens.operator, body: { ...fields, rollout_pct: 100, version: flag.version } }), 200);
    expect(await seen).toBeLessThan(2_000);
    expect(await client.getStringValue('new-checkout', 'fallback', { targetingKey: 'someone-outside-25' })).toBe('one-page');
  });

  it("sees only its own workspace environment's flags", async () => {
    const { provider: otherProvider, client: otherClient } = await connect('other-workspace', other.tokens.viewer);
    expect(await otherClient.getStringDetails('new-checkout', 'fallback', { targetingKey: 'u-1' })).toMatchObject({ value: 'fallback', errorCode: 'FLAG_NOT_FOUND' });
    const { client: production } = await connect('production', workspace.tokens.viewer, 'production');
    expect(await production.getStringDetails('new-checkout', 'fallback', { targetingKey: 'u-1' })).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });

    // A change in the first workspace sends nothing to the other's stream.
    let woken = 0;
    otherProvider.events.addHandler(ProviderEvents.ConfigurationChanged, () => woken++);
    const { key: _key, environment: _environment, ...fields } = checkoutFlag();
    const current = await expectBody<Feature>(await harness.call('GET', `/api/v1/features/${flag.id}`, { token: workspace.tokens.viewer }), 200);
    await expectBody(await harness.call('PUT', `/api/v1/features/${flag.id}`, { token: workspace.tokens.operator, body: { ...fields, rollout_pct: 100, description: 'again', version: current.version } }), 200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(woken).toBe(0);
  });

  it('batches impressions and conversions to the API, once per event id, and the stats count them by subject', async () => {
    const { provider, client } = await connect('tracking', workspace.tokens.viewer);
    for (let i = 0; i < 40; i++) {
      await client.getStringValue('new-checkout', 'fallback', { targetingKey: `buyer-${i}` });
      // Evaluating again in the same window records no second impression.
      await client.getStringValue('new-checkout', 'fallback', { targetingKey: `buyer-${i}` });
      if (i % 4 === 0) client.track('checkout_completed', { targetingKey: `buyer-${i}` });
    }
    await provider.flush();
    const stats = await expectBody<{ variants: Array<{ key: string; impressions: number; conversions: number }>; control: string }>(
      await harness.call('GET', `/api/v1/features/${flag.id}/stats?metric=checkout_completed`, { token: workspace.tokens.viewer }),
      200,
    );
    // The rollout is 100% now: everyone was served one-page.
    expect(stats.control).toBe('classic');
    expect(stats.variants.find((variant) => variant.key === 'one-page')).toMatchObject({ impressions: 40, conversions: 10 });
    expect(provider.droppedEvents).toBe(0);
    // One impression per subject was sent (the second evaluation in the window recorded none), and ten conversions.
    const stored = await harness.db
      .select({ kind: featureEvents.kind, count: sql<number>`count(*)::int` })
      .from(featureEvents)
      .where(and(eq(featureEvents.workspaceId, workspace.id), like(featureEvents.subject, 'buyer-%')))
      .groupBy(featureEvents.kind);
    expect(Object.fromEntries(stored.map((row) => [row.kind, row.count]))).toEqual({ impression: 40, conversion: 10 });
  });

  it('counts a batch sent twice once, and refuses events that do not say what they are (422, nothing stored)', async () => {
    const events = [
      { id: 'dup-1', kind: 'impression', feature_key: 'new-checkout', variant: 'classic', reason: 'SPLIT', subject: 'dup-user' },
      { id: 'dup-2', kind: 'conversion', metric: 'signup', subject: 'dup-user' },
    ];
    const send = (list: unknown[]) => harness.call('POST', '/api/v1/features/events', { token: workspace.tokens.viewer, body: { environment: 'staging', events: list } });
    expect(await expectBody(await send(events), 202)).toEqual({ accepted: 2, duplicates: 0 });
    expect(await expectBody(await send(events), 202)).toEqual({ accepted: 0, duplicates: 2 });
    const bad = await expectBody<{ error: { details: Array<{ path: string }> } }>(await send([{ id: 'bad-1', kind: 'impression', subject: 'x' }, { id: 'bad-2', kind: 'conversion', subject: 'y' }]), 422);
    expect(JSON.stringify(bad.error.details)).toMatch(/feature_key[\s\S]*metric/);
    expect(await expectBody(await send([{ id: 'bad-1', kind: 'conversion', metric: 'm', subject: 'x' }]), 202)).toEqual({ accepted: 1, duplicates: 0 });
    await expectBody(await send([{ id: 'future', kind: 'conversion', metric: 'm', subject: 'x', timestamp: new Date(Date.now() + 3_600_000).toISOString() }]), 422);
  });

  it('answers known results on a seeded experiment and flags a sample-ratio mismatch', async () => {
    const seeded = await expectBody<Feature>(
      await harness.call('POST', '/api/v1/features', {
        token: workspace.tokens.operator,
        body: checkoutFlag({ key: 'seeded', rollout_pct: 100, rules: [], variants: [{ key: 'classic', value: 'classic', weight: 50 }, { key: 'one-page', value: 'one-page', weight: 50 }] }),
      }),
      201,
    );
    // 1,000 subjects per variant; 100 and 120 convert after their impression; 30 more convert before it (not counted);
    // 5 were served both variants (left out); then 500 more SPLIT impressions of one-page only: 1,500 vs 1,000 at 50/50.
    const at = (minutes: number) => new Date(Date.now() - 60 * 60_000 + minutes * 60_000).toISOString();
    const events: Array<Record<string, unknown>> = [];
    for (const [variant, converted] of [['classic', 100], ['one-page', 120]] as const) {
      for (let i = 0; i < 1000; i++) {
        const subject = `${variant}-${i}`;
        events.push({ id: `imp-${subject}`, kind: 'impression', feature_key: 'seeded', variant, reason: 'SPLIT', subject, timestamp: at(10) });
        if (i < converted) events.push({ id: `conv-${subject}`, kind: 'conversion', metric: 'purchase', subject, timestamp: at(20) });
        else if (i < converted + 15) events.push({ id: `early-${subject}`, kind: 'conversion', metric: 'purchase', subject, timestamp: at(5) });
      }
    }
    // 7 staff served one-page by a rule, 4 of them converting: not randomized, so not in the results.
    for (let i = 0; i < 7; i++) {
      events.push({ id: `staff-${i}`, kind: 'impression', feature_key: 'seeded', variant: 'one-page', reason: 'TARGETING_MATCH', subject: `staff-${i}`, timestamp: at(10) });
      if (i < 4) events.push({ id: `staff-conv-${i}`, kind: 'conversion', metric: 'purchase', subject: `staff-${i}`, timestamp: at(20) });
    }
    for (let i = 0; i < 5; i++) {
      events.push({ id: `both-a-${i}`, kind: 'impression', feature_key: 'seeded', variant: 'classic', reason: 'SPLIT', subject: `both-${i}`, timestamp: at(1) });
      events.push({ id: `both-b-${i}`, kind: 'impression', feature_key: 'seeded', variant: 'one-page', reason: 'SPLIT', subject: `both-${i}`, timestamp: at(2) });
    }
    for (let start = 0; start < events.length; start += 1000) {
      await expectBody(await harness.call('POST', '/api/v1/features/events', { token: workspace.tokens.viewer, body: { environment: 'staging', events: events.slice(start, start + 1000) } }), 202);
    }
    type Stats = {
      variants: Array<{ key: string; impressions: number; conversions: number; conversion_rate: number; lift: { relative: number; absolute: number } | null; chance_to_beat_control: number | null }>;
      srm: { mismatch: boolean; p_value: number };
      multiple_exposures: number;
      outside_experiment: number;
      metric_seen: boolean;
    };
    const stats = await expectBody<Stats>(await harness.call('GET', `/api/v1/features/${seeded.id}/stats?metric=purchase`, { token: workspace.tokens.viewer }), 200);
    expect(stats).toMatchObject({ multiple_exposures: 5, outside_experiment: 7, metric_seen: true });
    const [control, variant] = stats.variants;
    expect(control).toMatchObject({ key: 'classic', impressions: 1000, conversions: 100, conversion_rate: 0.1, lift: null, chance_to_beat_control: null });
    expect(variant).toMatchObject({ key: 'one-page', impressions: 1000, conversions: 120, conversion_rate: 0.12 });
    expect(variant!.lift!.relative).toBeCloseTo(0.2, 10);
    expect(variant!.lift!.absolute).toBeCloseTo(0.02, 10);
    // P(Beta(121, 881) > Beta(101, 901)): about 0.92 (normal approximation of the difference: z = 0.02 / 0.01375).
    expect(variant!.chance_to_beat_control).toBeGreaterThan(0.9);
    expect(variant!.chance_to_beat_control).toBeLessThan(0.95);
    expect(stats.srm.mismatch).toBe(false);

    const more = Array.from({ length: 500 }, (_, i) => ({ id: `extra-${i}`, kind: 'impression', feature_key: 'seeded', variant: 'one-page', reason: 'SPLIT', subject: `extra-${i}`, timestamp: at(30) }));
    await expectBody(await harness.call('POST', '/api/v1/features/events', { token: workspace.tokens.viewer, body: { environment: 'staging', events: more } }), 202);
    const skewed = await expectBody<Stats>(await harness.call('GET', `/api/v1/features/${seeded.id}/stats?metric=purchase`, { token: workspace.tokens.viewer }), 200);
    // 1,500 vs 1,000 against 50/50: chi-square 100, p ≈ 1.5e-23.
    expect(skewed.srm.mismatch).toBe(true);
    expect(skewed.srm.p_value).toBeLessThan(1e-20);

    // A misspelt metric answers, and says it has never been seen.
    expect(await expectBody<Stats>(await harness.call('GET', `/api/v1/features/${seeded.id}/stats?metric=purchse`, { token: workspace.tokens.viewer }), 200)).toMatchObject({ metric_seen: false });
    await expectBody(await harness.call('GET', `/api/v1/features/${seeded.id}/stats?metric=purchase&control=nope`, { token: workspace.tokens.viewer }), 422);
    await expectBody(await harness.call('GET', `/api/v1/features/${seeded.id}/stats?metric=purchase`, { token: other.tokens.owner }), 404);
  });
});

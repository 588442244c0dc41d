// needs: nothing (happy-dom and a fixture API)
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installFixtureApi, me, route, silenceEventSource } from './fixture-api.ts';
import { renderAt } from './render.tsx';

beforeAll(silenceEventSource);
afterEach(cleanup);

const flagId = '66666666-6666-4666-8666-666666666666';
const flag = {
  id: flagId,
  key: 'new-checkout',
  environment: 'production',
  name: 'New checkout',
  description: 'the one-page checkout',
  type: 'string',
  enabled: true,
  variants: [
    { key: 'classic', value: 'classic', weight: 1 },
    { key: 'one-page', value: 'one-page', weight: 3 },
  ],
  default_variant: 'classic',
  rollout_pct: 40,
  rules: [{ id: 'staff' }],
  stickiness: 'user_id',
  version: 7,
  created_by: 'ada',
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-03T10:00:00Z',
};
const stats = (mismatch: boolean) => ({
  feature_id: flagId,
  key: 'new-checkout',
  environment: 'production',
  metric: 'purchase',
  control: 'classic',
  method: 'bayesian: chance to beat control with Beta(1,1) priors',
  variants: [
    { key: 'classic', weight: 1, impressions: 1000, conversions: 100, conversion_rate: 0.1, lift: null, chance_to_beat_control: null },
    { key: 'one-page', weight: 3, impressions: 1000, conversions: 120, conversion_rate: 0.12, lift: { relative: 0.2, absolute: 0.02, ci95: { low: -0.066, high: 0.542 } }, chance_to_beat_control: 0.924 },
  ],
  srm: { chi_square: mismatch ? 100 : 0.8, degrees_of_freedom: 1, p_value: mismatch ? 1.5e-23 : 0.37, mismatch, expected: {} },
  multiple_exposures: 5,
  outside_experiment: 0,
  metric_seen: true,
});
const ramp = {
  id: '77777777-7777-4777-8777-777777777777',
  feature_id: flagId,
  feature_key: 'new-checkout',
  environment: 'production',
  status: 'rolled_back',
  current_pct: 0,
  reason: 'analysis failed: error-rate; the flag is off (0%)',
  plan: {},
  steps: [
    { name: 'set-rollout-20', outcome: 'set', at: '2026-12-03T10:00:00Z' },
    { name: 'analysis-1', outcome: 'failed', at: '2026-12-03T10:01:00Z' },
    { name: 'end', outcome: 'rolled_back', at: '2026-12-03T10:01:01Z' },
  ],
  workflow_id: 'flag-ramp/w/f/r',
  web_ui_url: 'http://localhost:8233/namespaces/default/workflows/flag-ramp%2Fw%2Ff%2Fr',
  created_by: 'ada',
  created_at: '2026-12-03T10:00:00Z',
  updated_at: '2026-12-03T10:01:01Z',
};

function flagsApi(options: { mismatch?: boolean } = {}) {
  return installFixtureApi([
    route('GET', '/auth/me', () => ({ body: me('viewer') })),
    route('GET', '/deployments', () => ({ body: { items: [], next_cursor: null } })),
    route('GET', '/features', () => ({ body: { items: [flag] } })),
    route('GET', `/features/${flagId}/stats`, ({ query }) => ({ body: { ...stats(options.mismatch ?? false), metric: query.get('metric') } })),
    route('GET', `/features/${flagId}/ramps`, () => ({ body: { items: [ramp] } })),
  ]);
}

describe('the flags page', () => {
  it('lists flags with their state, rollout bar and version', async () => {
    flagsApi();
    renderAt('/admin/flags');
    const row = (await screen.findByRole('link', { name: 'new-checkout' })).closest('tr')!;
    expect(row.textContent).toContain('production');
    expect(row.textContent).toContain('on');
    expect(row.textContent).toContain('v7');
    expect(within(row).getByRole('img', { name: 'new-checkout rollout: 40%' })).toBeTruthy();
  });

  it("shows the chosen flag's split, its ramps with each step, and A/B results for the metric typed", async () => {
    // The fixture answers with the metric of the query: the table's name shows the one typed was asked for.
    flagsApi();
    renderAt(`/admin/flags?flag=${flagId}`);
    expect(await screen.findByRole('img', { name: 'one-page weight: 75%' })).toBeTruthy();
    expect(screen.getByText(/40% of the rest get the split/)).toBeTruthy();
    expect(await screen.findByText('analysis-1: failed')).toBeTruthy();
    expect(screen.getByText(/the flag is off/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Temporal Web UI' }).getAttribute('href')).toBe(ramp.web_ui_url);

    const metric = screen.getByRole('textbox', { name: 'Metric' });
    fireEvent.change(metric, { target: { value: 'purchase' } });
    fireEvent.submit(metric.closest('form')!);
    const table = await screen.findByRole('table', { name: 'Results for purchase' });
    const onePage = within(table).getByText('one-page').closest('tr')!;
    expect(onePage.textContent).toContain('20.0% (-6.6% to 54.2%)');
    expect(onePage.textContent).toContain('92.4%');
    expect(screen.getByText(/5 subjects were served more than one variant/)).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('warns of a sample ratio mismatch above the results', async () => {
    flagsApi({ mismatch: true });
    renderAt(`/admin/flags?flag=${flagId}&metric=purchase`);
    expect((await screen.findByRole('alert')).textContent).toMatch(/Sample ratio mismatch \(p = 1\.5e-23\)/);
  });
});

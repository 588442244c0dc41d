// needs: Postgres, Temporal dev server
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// The cron editor's server-side check: the next runs as Temporal computes them, or a 422 that names the field.
let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'cron-preview');
});
afterAll(() => harness?.close());

const preview = (query: string) => harness.call('GET', `/api/v1/ops/jobs/schedule-preview?${query}`, { token: workspace.tokens.viewer });

describe('GET /ops/jobs/schedule-preview', () => {
  it('answers the next five runs of an expression, in its time zone', async () => {
    const response = await preview(new URLSearchParams({ cron: '30 2 * * *', time_zone: 'Europe/Paris' }).toString());
    expect(response.status).toBe(200);
    const { next_runs } = (await response.json()) as { next_runs: string[] };
    expect(next_runs).toHaveLength(5);
    for (const run of next_runs) expect(new Date(run).toLocaleTimeString('en-GB', { timeZone: 'Europe/Paris' })).toBe('02:30:00');
    expect(new Date(next_runs[0]!).getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses what Temporal would refuse, naming the field, and writes no audit row for a read', async () => {
    const bad = await preview('cron=61+*+*+*+*');
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain('cron');
    const zone = await preview('cron=0+*+*+*+*&time_zone=Mars/Olympus');
    expect(zone.status).toBe(422);
    expect(JSON.stringify(await zone.json())).toContain('time_zone');
  });
});

// needs: nothing (happy-dom and a fixture API)
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installFixtureApi, me, problem, route, silenceEventSource } from './fixture-api.ts';
import { renderAt } from './render.tsx';

beforeAll(silenceEventSource);
afterEach(cleanup);

const jobId = '33333333-3333-4333-8333-333333333333';
const job = {
  id: jobId,
  name: 'nightly-backup',
  environment: 'ops',
  description: 'dump the shop database',
  schedule: { cron: '0 3 * * *', time_zone: null },
  status: 'running',
  next_run: '2026-12-04T03:00:00Z',
  last_run: { id: '44444444-4444-4444-8444-444444444444', status: 'failed', trigger: 'schedule', attempts: 1, started_at: '2026-12-03T03:00:00Z', ended_at: '2026-12-03T03:00:09Z', exit_code: 3, duration_ms: 9000, error: 'exit 3', workflow_id: 'w' },
  current_run: null,
  elapsed_ms: 65_000,
  schedule_state_at: null,
};

function opsApi(role: 'viewer' | 'operator', options: { locked?: boolean } = {}) {
  return installFixtureApi([
    route('GET', '/auth/me', () => ({ body: me(role) })),
    route('GET', '/deployments', () => ({ body: { items: [], next_cursor: null } })),
    route('GET', '/ops/jobs', () => ({ body: { items: [job] } })),
    route('GET', `/ops/jobs/${jobId}/runs`, () => ({ body: { items: [], next_cursor: null } })),
    route('GET', '/ops/jobs/schedule-preview', ({ query }) =>
      query.get('cron') === '61 * * * *'
        ? problem(422, 'validation_failed', 'request query failed validation', [{ path: 'query.cron', message: 'minute 61 is out of range 0-59' }])
        : { body: { next_runs: ['2026-12-04T03:00:00Z', '2026-12-05T03:00:00Z', '2026-12-06T03:00:00Z', '2026-12-07T03:00:00Z', '2026-12-08T03:00:00Z'] } },
    ),
    route('PATCH', `/ops/jobs/${jobId}`, () => ({ body: job })),
    route('POST', `/ops/jobs/${jobId}/trigger`, () =>
      options.locked ? problem(423, 'locked', 'a run of this job is in progress and its overlap policy forbids another') : { status: 202, body: { run_id: '55555555-5555-4555-8555-555555555555' } },
    ),
  ]);
}

describe('the operations page', () => {
  it('lists jobs with schedule, elapsed time while running, next and last run', async () => {
    opsApi('viewer');
    renderAt('/admin/ops');
    const row = (await screen.findByRole('link', { name: 'nightly-backup' })).closest('tr')!;
    expect(row.textContent).toContain('0 3 * * *');
    expect(row.textContent).toContain('running for 1 min 5 s');
    expect(row.textContent).toContain('failed · 9 s · exit 3');
  });

  it('previews a cron as it is typed, names what is wrong, and saves a valid one', async () => {
    const recorded = opsApi('operator');
    renderAt(`/admin/ops?job=${jobId}`);
    const cron = await screen.findByRole('textbox', { name: 'Cron' });
    await waitFor(() => expect(screen.getByRole('list', { name: 'Next runs' }).querySelectorAll('li')).toHaveLength(5));
    fireEvent.change(cron, { target: { value: '61 * * * *' } });
    expect(await screen.findByText('minute 61 is out of range 0-59')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Save schedule' }).hasAttribute('disabled')).toBe(true);
    fireEvent.change(cron, { target: { value: '30 3 * * *' } });
    await waitFor(() => expect(screen.queryByText('minute 61 is out of range 0-59')).toBeNull());
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save schedule' }).hasAttribute('disabled')).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    await screen.findByText('schedule saved');
    expect(recorded.find((request) => request.method === 'PATCH')?.body).toEqual({ schedule: { cron: '30 3 * * *', time_zone: 'UTC' } });
  });

  it('runs a job after its name is typed, and follows the new run', async () => {
    const recorded = opsApi('operator');
    const { router } = renderAt(`/admin/ops?job=${jobId}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Run now' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'nightly-backup' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'run' }));
    await screen.findByText(/started run 55555555-5555-4555-8555-555555555555/);
    expect(recorded.find((request) => request.path.endsWith('/trigger'))?.body).toEqual({ confirm: true });
    await waitFor(() => expect(router.state.location.search).toMatchObject({ job: jobId, run: '55555555-5555-4555-8555-555555555555' }));
    expect(await screen.findByRole('log', { name: 'Log lines' })).toBeTruthy();
  });

  it('explains a 423: a run is going and the overlap policy allows one', async () => {
    opsApi('operator', { locked: true });
    renderAt(`/admin/ops?job=${jobId}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Run now' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'nightly-backup' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'run' }));
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/still going and its overlap policy allows only one/);
  });

  it('shows a viewer Run now and the schedule disabled, with the reason', async () => {
    opsApi('viewer');
    renderAt(`/admin/ops?job=${jobId}`);
    const run = await screen.findByRole('button', { name: 'Run now' });
    expect(run.hasAttribute('disabled')).toBe(true);
    expect(screen.getAllByText('needs the operator role in ops; you are viewer').length).toBe(2);
    expect(screen.queryByRole('button', { name: 'Save schedule' })).toBeNull();
  });
});

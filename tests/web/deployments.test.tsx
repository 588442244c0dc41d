// needs: nothing (happy-dom and a fixture API)
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installFixtureApi, me, problem, route, silenceEventSource } from './fixture-api.ts';
import { renderAt } from './render.tsx';

beforeAll(silenceEventSource);
afterEach(cleanup);

const colours = (greenShare: number) => [
  { name: 'blue', version: '1.0.0', status: greenShare === 100 ? 'warm' : 'active', health: { pods: 1, ready: 1, restarts: 0 }, traffic_pct: 100 - greenShare },
  { name: 'green', version: '2.0.0', status: greenShare === 100 ? 'active' : 'warm', health: { pods: 1, ready: 1, restarts: 2 }, traffic_pct: greenShare },
];

function shopApi(role: 'viewer' | 'operator' | 'admin', options: { greenShare?: number; releaseConflict?: boolean } = {}) {
  let green = options.greenShare ?? 100;
  return installFixtureApi([
    route('GET', '/auth/me', () => ({ body: me(role) })),
    route('GET', '/deployments', () => ({ body: { items: [], next_cursor: null } })),
    route('GET', '/services', () => ({ body: { items: [{ name: 'shop', environment: 'staging' }, { name: 'cart', environment: 'staging' }] } })),
    route('GET', '/services/shop/environments', () => ({ body: colours(green) })),
    route('GET', '/services/shop/traffic', () => ({ body: { provider: 'local-proxy', capabilities: { partialWeights: true }, weights: { blue: 100 - green, green } } })),
    route('POST', '/services/shop/traffic', ({ body }) => {
      green = (body as { green: number }).green;
      return { body: { provider: 'local-proxy', capabilities: { partialWeights: true }, weights: body } };
    }),
    route('GET', '/services/shop/history', () => ({
      body: { items: [{ deployment_id: '11111111-1111-4111-8111-111111111111', version: '2.0.0', strategy: 'blue-green', status: 'succeeded', started_at: '2026-12-03T10:00:00Z', duration_ms: 4200, who: 'ada' }] },
    })),
    route('POST', '/services/shop/switch', ({ body }) => {
      green = (body as { to: string }).to === 'green' ? 100 : 0;
      return { body: { switched: true, from: 'green', to: (body as { to: string }).to } };
    }),
    route('POST', '/services/shop/rollback', () => {
      green = 0;
      return { body: { switched: true, from: 'green', to: 'blue' } };
    }),
    route('POST', '/deployments', () =>
      options.releaseConflict ? problem(409, 'conflict', 'a release of shop in staging is already running') : { status: 201, body: { id: '22222222-2222-4222-8222-222222222222' } },
    ),
    route('GET', /^\/deployments\/22222222/, () => ({ body: { id: '22222222-2222-4222-8222-222222222222', service: 'shop', environment: 'staging', version: '3.0.0', status: 'succeeded', steps: [], strategy: 'blue-green', created_by: 'ada', started_at: null, finished_at: null, reason: null, web_ui_url: 'http://ui' } })),
  ]);
}

const page = '/admin/deployments?service=shop&environment=staging';

describe('the deployment controller', () => {
  it('shows both colours with version, health and traffic, the releases, and the services to choose from', async () => {
    shopApi('operator');
    renderAt(page);
    expect(await screen.findByTestId('green-version')).toHaveProperty('textContent', '2.0.0');
    expect(screen.getByTestId('blue-version').textContent).toBe('1.0.0');
    await waitFor(() => expect(screen.getByTestId('green-traffic').textContent).toBe('100%'));
    expect(screen.getByRole('article', { name: 'green colour' }).textContent).toContain('1/1 ready, 2 restarts');
    expect(screen.getByRole('list', { name: 'Releases' }).textContent).toMatch(/2\.0\.0.*succeeded.*blue-green.*4 s/);
    expect(screen.getByRole('link', { name: /cart/ })).toBeTruthy();
  });

  it('switches only once the service name is typed, and says what happened', async () => {
    const recorded = shopApi('operator');
    renderAt(page);
    fireEvent.click(await screen.findByRole('button', { name: 'Switch 100% to blue' }));
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'switch' });
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'sho' } });
    expect(confirm.hasAttribute('disabled')).toBe(true);
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'shop' } });
    fireEvent.click(confirm);
    await screen.findByText('switched: 100% of traffic on blue');
    expect(recorded.find((request) => request.path === '/services/shop/switch')?.body).toEqual({ environment: 'staging', to: 'blue', confirm: 'shop' });
  });

  it('rolls back after naming the version it restores, then names the version restored', async () => {
    const recorded = shopApi('operator');
    renderAt(page);
    await screen.findByTestId('green-version');
    await waitFor(() => expect(screen.getByTestId('green-traffic').textContent).toBe('100%'));
    fireEvent.click(screen.getByRole('button', { name: 'Roll back' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Traffic goes back to blue, running 1.0.0');
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'shop' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'roll back' }));
    await screen.findByText('rolled back: traffic on blue, running 1.0.0');
    expect(recorded.some((request) => request.method === 'POST' && request.path === '/services/shop/rollback')).toBe(true);
  });

  it('sends the split when the slider is moved from the keyboard', async () => {
    const recorded = shopApi('operator', { greenShare: 50 });
    renderAt(page);
    // Its name is the label's and the thumb's, both "Traffic to green".
    const slider = await screen.findByRole('slider', { name: /Traffic to green/ });
    await waitFor(() => expect((slider as HTMLInputElement).value).toBe('50'));
    act(() => {
      fireEvent.keyDown(slider, { key: 'ArrowRight' });
      fireEvent.keyUp(slider, { key: 'ArrowRight' });
    });
    await waitFor(() => expect(recorded.find((request) => request.method === 'POST' && request.path === '/services/shop/traffic')?.body).toEqual({ environment: 'staging', blue: 45, green: 55 }));
    await screen.findByText('traffic now blue 45% / green 55%');
  });

  it('shows a viewer the controls disabled with the reason, and no release form', async () => {
    shopApi('viewer', { greenShare: 50 });
    renderAt(page);
    const rollback = await screen.findByRole('button', { name: 'Roll back' });
    await waitFor(() => expect(rollback.hasAttribute('disabled')).toBe(true));
    expect(screen.getAllByText('needs the operator role in staging; you are viewer').length).toBeGreaterThan(0);
    expect(screen.getByText(/Starting a release needs the admin role in staging; you are viewer/)).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Start a release' })).toBeNull();
  });

  it('starts a release as an admin and explains a 409 when one is running', async () => {
    shopApi('admin', { releaseConflict: true });
    renderAt(page);
    const form = await screen.findByRole('form', { name: 'Start a release' });
    fireEvent.change(within(form).getByRole('textbox', { name: 'Version' }), { target: { value: '3.0.0' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Release' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('a release of shop in staging is already running — open it from the list below');
  });

  it('opens the release page after starting one', async () => {
    shopApi('admin');
    const { router } = renderAt(page);
    const form = await screen.findByRole('form', { name: 'Start a release' });
    fireEvent.change(within(form).getByRole('textbox', { name: 'Version' }), { target: { value: '3.0.0' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Release' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/deployments/22222222-2222-4222-8222-222222222222'));
  });

  it('asks to choose a service when none is chosen', async () => {
    shopApi('viewer');
    renderAt('/admin/deployments');
    expect(await screen.findByText('Choose a service.')).toBeTruthy();
  });
});

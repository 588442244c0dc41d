// needs: Postgres, Temporal dev server, the local target (real processes), Chromium (/usr/bin/chromium)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from '../../scripts/web-build.ts';
import { launchChromium } from '../support/browser.ts';
import { serveForCli } from '../support/cli.ts';
import { postRelease } from '../support/deployment-waits.ts';
import { localTimings, useLocalReleaseFixture } from '../support/local-release.ts';
import { sampleRelease } from '../support/local-supervisor.ts';
import { checkoutFlag } from '../support/flags.ts';
import { createTestUser } from '../support/people.ts';
import { eventually } from '../support/wait.ts';

// The dashboard in real Chromium against the real stack: API (serving the built dashboard at /admin), worker,
// Temporal, Postgres and a service on the local target.
const fixture = useLocalReleaseFixture('dashboard');
// The README's pictures: refreshed with UPDATE_SCREENSHOTS=1, otherwise written aside (a run leaves git clean).
const shotsDir = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : mkdtempSync(path.join(tmpdir(), 'cutover-shots-'));
const shot = (name: string) => path.join(shotsDir, name);
const { ctx } = fixture;
let server: Awaited<ReturnType<typeof serveForCli>>;
let browser: Browser;

beforeAll(async () => {
  ensureDashboardBuilt({ quiet: true });
  server = await serveForCli(ctx.harness.app);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${server.url}/admin/`);
  await page.waitForURL(/\/admin\/login/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/deployments/);
}

/** Serious and critical axe findings on the page as it is now. */
async function accessibilityProblems(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.help}`);
}

describe('the dashboard', () => {
  it('signs in, approves a release by typing its name and watches it live, moves traffic with the keyboard, rolls back', async () => {
    const ports = await fixture.register('web-ui');
    const first = await fixture.release('web-ui', '1.0.0');
    expect((await fixture.until(first.id)).status).toBe('succeeded');
    const second = await postRelease(ctx.harness, ctx.workspace.tokens.operator, {
      service: 'web-ui',
      version: '2.0.0',
      image: sampleRelease('2.0.0'),
      strategy: 'blue-green',
      options: { requireApproval: true, timings: { ...localTimings, monitorDurationMs: 1_000 } },
    });
    await fixture.until(second.id, ['awaiting_approval']);

    const owner = await createTestUser(ctx.harness.db, { workspaceId: ctx.workspace.id, role: 'owner', prefix: 'ui-owner' });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    await signIn(page, owner.email, owner.password);

    // The inbox lists what waits for approval; its release page shows the steps so far.
    await page.getByRole('link', { name: 'web-ui 2.0.0 in staging' }).click();
    await page.waitForURL(new RegExp(`/admin/deployments/${second.id}$`));
    await expect.poll(() => page.getByTestId('release-status').textContent()).toBe('awaiting approval');
    expect(await page.getByRole('list', { name: 'Steps' }).textContent()).toContain('smoke-tests');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: shot('release.png') });

    // Approve: the button stays disabled until the typed name matches.
    await page.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Type web-ui to approve/).fill('web-u');
    expect(await dialog.getByRole('button', { name: 'approve' }).isDisabled()).toBe(true);
    await dialog.getByLabel(/Type web-ui to approve/).fill('web-ui');
    await dialog.getByLabel(/Comment/).fill('looks good');
    await dialog.getByLabel(/Type web-ui to approve/).press('Enter');
    // The steps arrive over the event stream until the release ends.
    await expect.poll(() => page.getByTestId('release-status').textContent(), { timeout: 60_000 }).toBe('succeeded');
    expect(await page.getByRole('list', { name: 'Steps' }).textContent()).toMatch(/approval succeeded.*approved by/);

    // The deployment controller: green serves 2.0.0 with all the traffic.
    await page.goto(`${server.url}/admin/deployments?service=web-ui&environment=staging`);
    await expect.poll(() => page.getByTestId('green-version').textContent()).toBe('2.0.0');
    await expect.poll(() => page.getByTestId('green-traffic').textContent()).toBe('100%');
    expect(await accessibilityProblems(page)).toEqual([]);

    // The slider from the keyboard: two steps of 5% back to blue.
    const slider = page.getByRole('slider', { name: 'Traffic to green' });
    await slider.focus();
    await slider.press('ArrowLeft');
    await slider.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('green-traffic').textContent(), { timeout: 10_000 }).toBe('90%');
    const traffic = await ctx.harness.call('GET', '/api/v1/services/web-ui/traffic?environment=staging', { token: ctx.workspace.tokens.viewer });
    expect(((await traffic.json()) as { weights: unknown }).weights).toEqual({ blue: 10, green: 90 });
    // The proxy splits as the slider says.
    const versions = await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 100; i++) seen.add((await fixture.serving(ports.port)).version ?? '?');
      return seen.size === 2 ? seen : undefined;
    });
    expect([...versions].sort()).toEqual(['1.0.0', '2.0.0']);
    await page.screenshot({ path: shot('deployments.png') });

    // Roll back: the dialog names the version it restores, the notice the version restored.
    await page.getByRole('button', { name: 'Roll back' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('Traffic goes back to blue, running 1.0.0');
    await page.getByRole('dialog').getByLabel(/Type web-ui to roll back/).fill('web-ui');
    await page.getByRole('dialog').getByRole('button', { name: 'roll back' }).click();
    await expect.poll(() => page.locator('p.notice').textContent()).toBe('rolled back: traffic on blue, running 1.0.0');
    expect((await fixture.serving(ports.port)).version).toBe('1.0.0');
    await page.close();
  }, 180_000);

  it('operations: previews a cron as it is typed, runs a job after the typed name, and tails its log live', async () => {
    const name = `ui-job-${Date.now().toString(36)}`;
    const created = await ctx.harness.call('POST', '/api/v1/ops/jobs', {
      token: ctx.workspace.tokens.operator,
      body: { name, schedule: { cron: '0 3 * * *' }, workload: { type: 'local', command: ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.4; done; echo warned >&2'] } },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const operator = await createTestUser(ctx.harness.db, { workspaceId: ctx.workspace.id, role: 'operator', prefix: 'ui-ops' });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(page, operator.email, operator.password);
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('link', { name }).click();

    // The cron editor asks the server as you type: the next runs, or what is wrong.
    const cron = page.getByRole('textbox', { name: 'Cron' });
    await cron.fill('*/5 * * * *');
    await expect.poll(() => page.getByRole('list', { name: 'Next runs' }).locator('li').count()).toBe(5);
    await cron.fill('61 * * * *');
    await expect.poll(() => page.locator('.cron .problem').textContent()).toMatch(/61/);
    expect(await page.getByRole('button', { name: 'Save schedule' }).isDisabled()).toBe(true);
    await cron.fill('0 3 * * *');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('dialog').getByLabel(new RegExp(`Type ${name} to run`)).fill(name);
    await page.getByRole('dialog').getByRole('button', { name: 'run' }).click();
    // Lines arrive while the run goes on; then the run's outcome.
    await expect.poll(() => page.getByRole('log', { name: 'Log lines' }).textContent(), { timeout: 20_000 }).toContain('tick 1');
    expect(await page.getByTestId('log-state').textContent()).toBe('live');
    await expect.poll(() => page.getByTestId('log-state').textContent(), { timeout: 30_000 }).toBe('succeeded, exit 0');
    expect(await page.getByRole('log', { name: 'Log lines' }).textContent()).toContain('[stderr] warned');
    await page.getByRole('searchbox', { name: 'Search the log' }).fill('tick 3');
    await expect.poll(() => page.getByRole('log', { name: 'Log lines' }).textContent()).toBe('tick 3');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: shot('ops.png') });
    await page.close();
  }, 120_000);

  it("flags: a flag's rollout and split as bars, a ramp's steps, and A/B results for a typed metric", async () => {
    const token = ctx.workspace.tokens.operator;
    const created = await ctx.harness.call('POST', '/api/v1/features', {
      token,
      body: checkoutFlag({ key: 'ui-checkout', rules: [], variants: [{ key: 'classic', value: 'classic', weight: 50 }, { key: 'one-page', value: 'one-page', weight: 50 }] }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const flag = (await created.json()) as { id: string };
    const ramp = await ctx.harness.call('POST', `/api/v1/features/${flag.id}/ramps`, { token, body: { steps: [{ setRollout: 50 }, { setRollout: 100 }] } });
    expect(ramp.status, await ramp.clone().text()).toBe(201);
    const events = [];
    for (const [variant, converted] of [['classic', 30], ['one-page', 45]] as const) {
      for (let i = 0; i < 300; i++) {
        const subject = `${variant}-${i}`;
        events.push({ id: `ui-imp-${subject}`, kind: 'impression', feature_key: 'ui-checkout', variant, reason: 'SPLIT', subject });
        if (i < converted) events.push({ id: `ui-conv-${subject}`, kind: 'conversion', metric: 'purchase', subject });
      }
    }
    expect((await ctx.harness.call('POST', '/api/v1/features/events', { token, body: { environment: 'staging', events } })).status).toBe(202);

    const viewer = await createTestUser(ctx.harness.db, { workspaceId: ctx.workspace.id, role: 'viewer', prefix: 'ui-flags' });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    await signIn(page, viewer.email, viewer.password);
    await page.getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('link', { name: 'ui-checkout' }).click();
    await expect.poll(() => page.getByRole('img', { name: 'one-page weight: 50%' }).count()).toBe(1);
    // The ramp ran on the worker: both steps and its end are listed, and the list shows the new rollout.
    await expect.poll(() => page.getByRole('list', { name: 'Steps' }).first().textContent(), { timeout: 30_000 }).toContain('end: succeeded');
    await expect.poll(() => page.getByRole('img', { name: 'ui-checkout rollout: 100%' }).count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('textbox', { name: 'Metric' }).fill('purchase');
    await page.getByRole('textbox', { name: 'Metric' }).press('Enter');
    const results = page.getByRole('table', { name: 'Results for purchase' });
    await expect.poll(() => results.getByRole('row').filter({ hasText: 'one-page' }).textContent()).toContain('15.00%');
    expect(await results.getByRole('row').filter({ hasText: 'one-page' }).textContent()).toContain('50.0%');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: shot('flags.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('workspaces: a platform admin creates one, sets its quotas (a refusal named), manages a member, deletes it with the typed word', async () => {
    const admin = await createTestUser(ctx.harness.db, { workspaceId: ctx.workspace.id, role: 'owner', platformAdmin: true, prefix: 'ui-admin' });
    const newcomer = await createTestUser(ctx.harness.db, { prefix: 'ui-newcomer' });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('link', { name: 'Workspaces' }).click();
    const name = `ui-ws-${Date.now().toString(36)}`;
    const create = page.getByRole('form', { name: 'Create a workspace' });
    await create.getByLabel('New workspace').fill(name);
    await create.getByLabel('Description').fill('made in the browser');
    await create.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => create.getByRole('alert').textContent()).toMatch(new RegExp(`created ${name}; its admin token, shown once: cut_`));
    await page.getByRole('link', { name }).click();
    const panel = page.getByRole('region', { name: `Workspace ${name}` });

    const quotas = page.getByRole('form', { name: 'Quotas' });
    await quotas.getByLabel(/^Services/).fill('0');
    await quotas.getByRole('button', { name: 'Save quotas' }).click();
    await expect.poll(() => quotas.getByRole('alert').textContent()).toMatch(/services: at least 1/);
    await quotas.getByLabel(/^Services/).fill('3');
    await quotas.getByRole('button', { name: 'Save quotas' }).click();
    await expect.poll(() => panel.locator('p.notice').textContent()).toBe('quotas saved');

    const add = page.getByRole('form', { name: 'Add a member' });
    await add.getByLabel('Person').selectOption({ label: newcomer.email });
    await add.getByLabel('Role').selectOption('operator');
    await add.getByRole('button', { name: 'Add member' }).click();
    await page.getByLabel(`Role of ${newcomer.email}`).waitFor();
    await page.getByLabel(`Role of ${newcomer.email}`).selectOption('admin');
    await expect.poll(() => panel.locator('p.notice').textContent()).toBe(`${newcomer.email} is now admin`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: shot('workspaces.png'), fullPage: true, mask: [create.getByRole('alert')] });

    await page.getByLabel(/Your password or TOTP code/).fill(admin.password);
    await page.getByRole('button', { name: 'Delete workspace' }).click();
    await page.getByRole('dialog').getByLabel(/Type delete to delete/).fill('delete');
    await page.getByRole('dialog').getByRole('button', { name: 'delete' }).click();
    await expect.poll(() => page.getByTestId('page-notice').textContent()).toBe(`${name} deleted; a platform admin can restore it for 30 days`);
    // It left the list with its panel.
    await expect.poll(() => page.getByRole('link', { name }).count()).toBe(0);
    await page.close();
  }, 120_000);

  it('shows a viewer the buttons disabled, with the reason (dark scheme)', async () => {
    const viewer = await createTestUser(ctx.harness.db, { workspaceId: ctx.workspace.id, role: 'viewer', prefix: 'ui-viewer' });
    // In the dark scheme, so axe checks its contrast too.
    const page = await (await browser.newContext({ colorScheme: 'dark' })).newPage();
    await signIn(page, viewer.email, viewer.password);
    await page.goto(`${server.url}/admin/deployments?service=web-ui&environment=staging`);
    const rollback = page.getByRole('button', { name: 'Roll back' });
    await rollback.waitFor();
    expect(await rollback.isDisabled()).toBe(true);
    expect(await page.getByText('needs the operator role in staging; you are viewer').first().isVisible()).toBe(true);
    expect(await page.getByRole('slider', { name: 'Traffic to green' }).isDisabled()).toBe(true);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: shot('viewer-dark.png') });
    await page.close();
  });
});

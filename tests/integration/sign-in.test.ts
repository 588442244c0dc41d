// needs: Postgres, Temporal dev server
import { randomUUID } from 'node:crypto';
import { and, desc, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp, type RunningServer } from '../../src/api/serve.ts';
import { defaultLoginLimits } from '../../src/auth/login-limits.ts';
import { csrfCookie, csrfHeader, defaultAuthSettings, sessionCookie, type AuthSettings } from '../../src/auth/settings.ts';
import { auditLog, rateWindows, users } from '../../src/db/schema/index.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser } from '../support/people.ts';

// Short lifetimes and a short lock, so expiry and unlocking are seen in seconds; the same numbers of failures.
const settings: AuthSettings = {
  sessions: { idleMs: 2_500, absoluteMs: 60_000 },
  // Shorter than the idle expiry, so a session outlives its step-up.
  stepUpMs: 1_000,
  secureCookies: false,
  login: { ...defaultLoginLimits, lockMs: 1_500, addressFailures: 12, addressWindowMs: 8_000 },
};

let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false, auth: settings });
  workspace = await createTestWorkspace(harness.db, 'ws-signin');
});
afterAll(() => harness?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorOf(response: Response, status: number): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
}

/** The cookies a login answer sets, as a browser would send them back, and their attributes. */
function cookiesOf(response: Response) {
  const setCookies = response.headers.getSetCookie();
  const value = (name: string) => setCookies.find((line) => line.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);
  return { setCookies, session: value(sessionCookie), csrf: value(csrfCookie) };
}

async function login(email: string, password: string) {
  return harness.call('POST', '/api/v1/auth/login', { body: { email, password } });
}

/** Signs in through the API: the headers of a read and of a change, as the dashboard sends them. */
async function signIn(email: string, password: string) {
  const response = await login(email, password);
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as { csrf_token: string; user: { email: string }; workspaces: Array<{ name: string; role: string }> };
  const { session, csrf } = cookiesOf(response);
  expect(csrf).toBe(body.csrf_token);
  const cookie = `${sessionCookie}=${session}`;
  return { body, read: { cookie }, write: { cookie, [csrfHeader]: body.csrf_token } };
}

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie and answers the user, the CSRF token and the workspaces', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', prefix: 'signin' });
    const response = await login(person.email.toUpperCase(), person.password);
    expect(response.status, await response.clone().text()).toBe(200);
    const { setCookies } = cookiesOf(response);
    const sessionLine = setCookies.find((line) => line.startsWith(`${sessionCookie}=`)) ?? '';
    expect(sessionLine).toMatch(/HttpOnly/);
    expect(sessionLine).toMatch(/SameSite=Lax/);
    expect(sessionLine).not.toMatch(/Secure/);
    expect(setCookies.find((line) => line.startsWith(`${csrfCookie}=`))).not.toMatch(/HttpOnly/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ user: { email: person.email, platform_admin: false }, workspaces: [{ id: workspace.id, name: workspace.name, role: 'operator' }] });
    expect(JSON.stringify(body)).not.toContain(person.password);

    const { read } = await signIn(person.email, person.password);
    const me = await harness.call('GET', '/api/v1/auth/me', { headers: read });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'session', actor: person.email, workspace: { id: workspace.id, role: 'operator' } });
    // The session is a caller like a token: it reads what its role allows.
    expect((await harness.call('GET', '/api/v1/services', { headers: read })).status).toBe(200);
  });

  it('marks the cookie Secure when the settings say so (behind a TLS proxy)', async () => {
    const secure = await startHarness({ worker: false, auth: { ...settings, secureCookies: true } });
    try {
      const person = await createTestUser(secure.db, { prefix: 'secure' });
      const response = await secure.call('POST', '/api/v1/auth/login', { body: { email: person.email, password: person.password } });
      expect(response.status).toBe(200);
      expect(cookiesOf(response).setCookies.every((line) => /; Secure/.test(line))).toBe(true);
    } finally {
      await secure.close();
    }
  });

  it('answers a wrong password and an unknown email alike, and audits both without the password', async () => {
    const person = await createTestUser(harness.db, { prefix: 'wrong' });
    const wrong = await errorOf(await login(person.email, 'not-the-password-at-all'), 401);
    const unknown = await errorOf(await login(`nobody-${randomUUID()}@example.test`, 'not-the-password-at-all'), 401);
    expect({ ...wrong, requestId: undefined }).toEqual({ ...unknown, requestId: undefined });
    expect(wrong).toMatchObject({ code: 'invalid_credentials' });
    const rows = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.login'), eq(auditLog.target, person.email)))
      .orderBy(desc(auditLog.createdAt));
    expect(rows[0]).toMatchObject({ outcome: 'failure', statusCode: 401 });
    expect(JSON.stringify(rows)).not.toContain('not-the-password-at-all');
  });

  it('locks an account after 5 wrong passwords (429 with Retry-After, even with the right one), and unlocks it after the lock', async () => {
    const person = await createTestUser(harness.db, { prefix: 'lock' });
    for (let attempt = 1; attempt < defaultLoginLimits.maxFailures; attempt++) {
      expect((await login(person.email, `wrong-${attempt}-password`)).status).toBe(401);
    }
    const fifth = await login(person.email, 'wrong-5-password');
    expect((await errorOf(fifth.clone(), 429)).code).toBe('account_locked');
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(await login(person.email, person.password), 429)).code).toBe('account_locked');
    await sleep(settings.login.lockMs + 200);
    expect((await login(person.email, person.password)).status).toBe(200);
    const [row] = await harness.db.select().from(users).where(eq(users.id, person.user.id));
    expect(row).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  it('refuses a disabled user, whose sessions stop at once', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, prefix: 'disabled' });
    const { read } = await signIn(person.email, person.password);
    await harness.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, person.user.id));
    expect((await errorOf(await login(person.email, person.password), 401)).code).toBe('invalid_credentials');
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: read })).status).toBe(401);
  });
});

describe('the per-address limit', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serveApp(harness.app, { port: 0, hostname: '127.0.0.1' });
    // Earlier runs' windows of this address in this database would count too.
    await harness.db.delete(rateWindows).where(like(rateWindows.key, 'login-address:%'));
  });
  afterAll(() => server?.close());

  it('makes an address that spent its failures wait, whatever accounts it tries, then lets it in again', async () => {
    const post = (email: string, password: string) =>
      fetch(`http://127.0.0.1:${server.port}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    // Start at a window's beginning, so all failures fall in one window.
    const windowMs = settings.login.addressWindowMs;
    await sleep(windowMs - (Date.now() % windowMs) + 50);
    for (let attempt = 0; attempt < settings.login.addressFailures; attempt++) {
      expect((await post(`guess-${attempt}-${randomUUID()}@example.test`, 'not-the-password-at-all')).status).toBe(401);
    }
    const person = await createTestUser(harness.db, { prefix: 'address' });
    const refused = await post(person.email, person.password);
    expect((await errorOf(refused.clone(), 429)).code).toBe('too_many_attempts');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await sleep(windowMs - (Date.now() % windowMs) + 50);
    expect((await post(person.email, person.password)).status).toBe(200);
    // Twelve argon2 verifications must fit in one window on a busy CI machine: the window is 8 s for that.
  }, 60_000);
});

describe('sessions', () => {
  it('end when idle for too long', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, prefix: 'idle' });
    const { read } = await signIn(person.email, person.password);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: read })).status).toBe(200);
    await sleep(settings.sessions.idleMs + 300);
    expect((await errorOf(await harness.call('GET', '/api/v1/auth/me', { headers: read }), 401)).message).toMatch(/sign in again/);
  });

  it('end at their absolute expiry however busy they are', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, prefix: 'absolute' });
    const { read } = await signIn(person.email, person.password);
    await harness.db.execute(sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${person.user.id}`);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: read })).status).toBe(401);
  });

  it('refuse a change without the CSRF token (403 csrf_failed) and make it with it', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'admin', prefix: 'csrf' });
    const { read, write } = await signIn(person.email, person.password);
    const body = { name: `csrf-${randomUUID().slice(0, 8)}`, role: 'viewer' };
    expect((await errorOf(await harness.call('POST', '/api/v1/tokens', { headers: read, body }), 403)).code).toBe('csrf_failed');
    expect((await errorOf(await harness.call('POST', '/api/v1/tokens', { headers: { ...read, [csrfHeader]: 'csrf_forged' }, body }), 403)).code).toBe('csrf_failed');
    expect((await harness.call('GET', '/api/v1/tokens', { headers: read })).status).toBe(200);
    expect((await harness.call('POST', '/api/v1/tokens', { headers: write, body })).status).toBe(201);
  });

  it('sign out ends this session; sign out everywhere ends all of them', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, prefix: 'logout' });
    const first = await signIn(person.email, person.password);
    const second = await signIn(person.email, person.password);
    const third = await signIn(person.email, person.password);
    expect((await harness.call('POST', '/api/v1/auth/logout', { headers: first.read })).status).toBe(403);
    const out = await harness.call('POST', '/api/v1/auth/logout', { headers: first.write });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((line) => line.startsWith(`${sessionCookie}=;`))).toBe(true);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: first.read })).status).toBe(401);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: second.read })).status).toBe(200);

    const everywhere = await harness.call('POST', '/api/v1/auth/logout-everywhere', { headers: second.write });
    expect(await everywhere.json()).toEqual({ ended_sessions: 2 + 1 /* the test helper's own session */ });
    for (const session of [second, third, person.session]) {
      expect((await harness.call('GET', '/api/v1/auth/me', { headers: session.read })).status).toBe(401);
    }
  });

  it('are for people: a token gets 403 session_required from the session routes', async () => {
    expect((await errorOf(await harness.call('POST', '/api/v1/auth/logout', { token: workspace.tokens.owner }), 403)).code).toBe('session_required');
    expect((await harness.call('GET', '/api/v1/auth/me', { token: workspace.tokens.viewer })).status).toBe(200);
  });
});

describe('step-up', () => {
  it('is demanded once the window passed, and granted by the password again', async () => {
    const created = await harness.call('POST', '/api/v1/workspaces', { token: workspace.platformAdmin, body: { name: `stepup-${randomUUID().slice(0, 8)}` } });
    const target = ((await created.json()) as { workspace: { id: string } }).workspace.id;
    const owner = await createTestUser(harness.db, { workspaceId: target, role: 'owner', prefix: 'stepup' });
    const { write } = await signIn(owner.email, owner.password);
    const headers = { ...write, 'x-cutover-workspace': target };
    await sleep(settings.stepUpMs + 300);
    const path = `/api/v1/workspaces/${target}`;
    expect((await errorOf(await harness.call('DELETE', path, { headers, body: { confirm: 'delete' } }), 403)).code).toBe('step_up_required');

    expect((await errorOf(await harness.call('POST', '/api/v1/auth/step-up', { headers, body: { password: 'not-the-password-at-all' } }), 401)).code).toBe('invalid_credentials');
    const stepUp = await harness.call('POST', '/api/v1/auth/step-up', { headers, body: { password: owner.password } });
    expect(stepUp.status, await stepUp.clone().text()).toBe(200);
    expect(Date.parse(((await stepUp.json()) as { step_up_until: string }).step_up_until)).toBeGreaterThan(Date.now());
    expect((await harness.call('DELETE', path, { headers, body: { confirm: 'delete' } })).status).toBe(202);
  });
});

describe('changing the password', () => {
  it('needs the current one, and ends the other sessions', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, prefix: 'password' });
    const current = await signIn(person.email, person.password);
    const other = await signIn(person.email, person.password);
    const path = '/api/v1/auth/password';
    const next = `new-${randomUUID()}`;
    expect((await errorOf(await harness.call('POST', path, { headers: current.write, body: { current_password: 'wrong-password-here', new_password: next } }), 401)).code).toBe(
      'invalid_credentials',
    );
    expect((await errorOf(await harness.call('POST', path, { headers: current.write, body: { current_password: person.password, new_password: 'short' } }), 422)).code).toBe(
      'validation_failed',
    );
    expect((await harness.call('POST', path, { headers: current.write, body: { current_password: person.password, new_password: next } })).status).toBe(204);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: current.read })).status).toBe(200);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: other.read })).status).toBe(401);
    expect((await login(person.email, person.password)).status).toBe(401);
    expect((await login(person.email, next)).status).toBe(200);
  });
});

// The defaults are what the README says.
it('defaults: 5 failures lock for 15 minutes; 20 failures per address in 10 minutes; step-up lasts 10 minutes', () => {
  expect(defaultAuthSettings.login).toEqual({ maxFailures: 5, lockMs: 15 * 60_000, addressFailures: 20, addressWindowMs: 10 * 60_000 });
  expect(defaultAuthSettings.stepUpMs).toBe(10 * 60_000);
});

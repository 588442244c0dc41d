// needs: Postgres, Temporal dev server
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/auth/totp.ts';
import { auditLog, users } from '../../src/db/schema/index.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser, type TestUser } from '../support/people.ts';

// TOTP as the second factor of step-up: enrol (after a step-up), confirm with a code, step up with a code (not
// twice with the same one), wrong codes lock the account, turn it off.

let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'totp');
});
afterAll(() => harness?.close());

async function errorOf(response: Response, status: number) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
}

const as = (person: TestUser, method: string, path: string, body?: unknown) =>
  harness.call(method, `/api/v1${path}`, { headers: method === 'GET' ? person.session.read : person.session.write, body });

/** Makes the session's last re-authentication an hour old, so step-up routes refuse it. */
const staleStepUp = (person: TestUser) =>
  harness.db.execute(sql`update sessions set step_up_at = now() - interval '1 hour' where id = ${person.session.sessionId}`);

async function enrolled(prefix: string): Promise<{ person: TestUser; secret: string }> {
  const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'viewer', prefix });
  const started = await as(person, 'POST', '/auth/totp');
  expect(started.status, await started.clone().text()).toBe(201);
  const { secret } = (await started.json()) as { secret: string };
  expect((await as(person, 'POST', '/auth/totp/confirm', { code: totpCode(secret) })).status).toBe(200);
  return { person, secret };
}

describe('TOTP step-up', () => {
  it('enrols after a step-up, keeps the secret sealed, and turns on only with a right code', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'viewer', prefix: 'totp-enrol' });
    await staleStepUp(person);
    expect((await errorOf(await as(person, 'POST', '/auth/totp'), 403)).code).toBe('step_up_required');
    expect((await as(person, 'POST', '/auth/step-up', { password: person.password })).status).toBe(200);

    const started = await as(person, 'POST', '/auth/totp');
    expect(started.status).toBe(201);
    const { secret, otpauth_uri } = (await started.json()) as { secret: string; otpauth_uri: string };
    expect(otpauth_uri).toContain(`secret=${secret}`);
    const [row] = await harness.db.select().from(users).where(eq(users.id, person.user.id));
    expect(row?.totpSecret).toMatch(/^v1:/);
    expect(row?.totpSecret).not.toContain(secret);
    expect(row?.totpEnabledAt).toBeNull();

    const wrong = String((Number(totpCode(secret)) + 1) % 1_000_000).padStart(6, '0');
    expect((await errorOf(await as(person, 'POST', '/auth/totp/confirm', { code: wrong }), 422)).code).toBe('invalid_totp_code');
    expect((await as(person, 'POST', '/auth/totp/confirm', { code: totpCode(secret) })).status).toBe(200);
    const me = (await (await as(person, 'GET', '/auth/me')).json()) as { user: { totp_enabled: boolean } };
    expect(me.user.totp_enabled).toBe(true);
    // A second enrolment would replace the authenticator silently: turn it off first.
    expect((await errorOf(await as(person, 'POST', '/auth/totp'), 409)).message).toMatch(/turn it off first/);
    // The secret is never in the audit log.
    const audit = await harness.db.select().from(auditLog).where(and(eq(auditLog.actor, person.email)));
    expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(['auth.totp_enrol', 'auth.totp_confirm']));
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('steps up with a code, refuses the same code twice, and turns off again', async () => {
    const { person, secret } = await enrolled('totp-step');
    await staleStepUp(person);
    expect((await errorOf(await as(person, 'DELETE', '/auth/totp'), 403)).code).toBe('step_up_required');
    // The code of the next step: the one of this step went into the confirmation.
    const code = totpCode(secret, Date.now() + 30_000);
    const stepped = await as(person, 'POST', '/auth/step-up', { code });
    expect(stepped.status, await stepped.clone().text()).toBe(200);
    await staleStepUp(person);
    const replay = await errorOf(await as(person, 'POST', '/auth/step-up', { code }), 401);
    expect(replay).toMatchObject({ code: 'invalid_totp_code', message: expect.stringMatching(/used already/) as unknown });
    expect((await errorOf(await as(person, 'POST', '/auth/step-up', { code, password: person.password }), 422)).code).toBe('validation_failed');

    // With TOTP on, the password alone no longer steps up: it is the factor a phisher would have.
    expect((await errorOf(await as(person, 'POST', '/auth/step-up', { password: person.password }), 403)).code).toBe('totp_required');
    expect((await as(person, 'POST', '/auth/step-up', { code: totpCode(secret, Date.now() - 30_000) })).status).toBe(200);
    expect((await as(person, 'DELETE', '/auth/totp')).status).toBe(204);
    expect((await errorOf(await as(person, 'POST', '/auth/step-up', { code: totpCode(secret) }), 409)).code).toBe('totp_not_enabled');
  });

  it('does not count a password sign-in as a step-up once TOTP is on', async () => {
    const { person } = await enrolled('totp-signin');
    const login = await harness.call('POST', '/api/v1/auth/login', { body: { email: person.email, password: person.password } });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
    const me = (await (await harness.call('GET', '/api/v1/auth/me', { headers: { cookie } })).json()) as { step_up_until: string | null };
    expect(me.step_up_until).toBeNull();
  });

  it('locks the account after five wrong codes, like wrong passwords', async () => {
    const { person, secret } = await enrolled('totp-lock');
    const wrong = String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    for (let attempt = 1; attempt < 5; attempt++) expect((await as(person, 'POST', '/auth/step-up', { code: wrong })).status).toBe(401);
    expect((await errorOf(await as(person, 'POST', '/auth/step-up', { code: wrong }), 429)).code).toBe('account_locked');
    expect((await errorOf(await as(person, 'POST', '/auth/step-up', { code: totpCode(secret, Date.now() + 30_000) }), 429)).code).toBe('account_locked');
  });

  it('is for people: tokens get 403', async () => {
    expect((await errorOf(await harness.call('POST', '/api/v1/auth/totp/confirm', { token: workspace.tokens.owner, body: { code: '123456' } }), 403)).code).toBe('session_required');
  });
});

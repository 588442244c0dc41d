// needs: Postgres, Temporal dev server
import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser } from '../support/people.ts';

let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'ws-users');
});
afterAll(() => harness?.close());

async function errorOf(response: Response, status: number): Promise<{ code: string; message: string; details?: unknown }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
}

const newEmail = () => `person-${randomUUID().slice(0, 8)}@example.test`;
const password = `pw-${randomUUID()}`;

describe('users, managed by platform admins', () => {
  it('are created with a password they then sign in with, and join a workspace as members', async () => {
    const email = newEmail();
    const created = await harness.call('POST', '/api/v1/admin/users', { token: workspace.platformAdmin, body: { email, display_name: 'Ada', password } });
    expect(created.status, await created.clone().text()).toBe(201);
    const user = (await created.json()) as { id: string; email: string; has_password: boolean };
    expect(user).toMatchObject({ email, has_password: true });
    expect(JSON.stringify(user)).not.toContain(password);

    const added = await harness.call('POST', `/api/v1/workspaces/${workspace.id}/users`, { token: workspace.tokens.admin, body: { user_id: user.id, role: 'operator' } });
    expect(added.status, await added.clone().text()).toBe(201);
    const login = await harness.call('POST', '/api/v1/auth/login', { body: { email: email.toUpperCase(), password } });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ workspaces: [{ id: workspace.id, role: 'operator' }] });

    const listed = await harness.call('GET', '/api/v1/admin/users', { token: workspace.platformAdmin });
    expect(((await listed.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id)).toContain(user.id);
  });

  it('refuse a taken email whatever its case (409), a short password and a bad email (422), and change nothing', async () => {
    const email = newEmail();
    expect((await harness.call('POST', '/api/v1/admin/users', { token: workspace.platformAdmin, body: { email, display_name: 'first' } })).status).toBe(201);
    const taken = await harness.call('POST', '/api/v1/admin/users', { token: workspace.platformAdmin, body: { email: email.toUpperCase(), display_name: 'second' } });
    expect((await errorOf(taken, 409)).code).toBe('email_taken');
    const short = await harness.call('POST', '/api/v1/admin/users', { token: workspace.platformAdmin, body: { email: newEmail(), display_name: 'x', password: 'short' } });
    expect((await errorOf(short, 422)).details).toEqual([expect.objectContaining({ path: 'json.password' })]);
    const bad = await harness.call('POST', '/api/v1/admin/users', { token: workspace.platformAdmin, body: { email: 'not-an-email', display_name: 'x' } });
    expect((await errorOf(bad, 422)).details).toEqual([expect.objectContaining({ path: 'json.email' })]);
  });

  it('are refused to workspace roles: even an owner gets 403', async () => {
    expect((await errorOf(await harness.call('GET', '/api/v1/admin/users', { token: workspace.tokens.owner }), 403)).code).toBe('forbidden');
  });

  it('when disabled, stop at once: sessions and personal tokens; enabled again, they sign in', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', prefix: 'disable' });
    const personal = await harness.call('POST', '/api/v1/tokens/personal', { headers: person.session.write, body: { name: 'cli' } });
    const { token } = (await personal.json()) as { token: string };
    const path = `/api/v1/admin/users/${person.user.id}`;
    const disabled = await harness.call('PATCH', path, { token: workspace.platformAdmin, body: { disabled: true } });
    expect(disabled.status, await disabled.clone().text()).toBe(200);
    expect((await disabled.json()) as Record<string, unknown>).toMatchObject({ disabled_at: expect.any(String) as unknown });
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: person.session.read })).status).toBe(401);
    expect((await harness.call('GET', '/api/v1/services', { token })).status).toBe(401);
    expect((await harness.call('POST', '/api/v1/auth/login', { body: { email: person.email, password: person.password } })).status).toBe(401);

    expect((await harness.call('PATCH', path, { token: workspace.platformAdmin, body: { disabled: false } })).status).toBe(200);
    // The sessions were ended, not just suspended: enabling the user does not bring them back.
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: person.session.read })).status).toBe(401);
    expect((await harness.call('POST', '/api/v1/auth/login', { body: { email: person.email, password: person.password } })).status).toBe(200);
    const [row] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.update'), eq(auditLog.target, `user/${person.user.id}`)))
      .orderBy(desc(auditLog.createdAt))
      .limit(1);
    expect(row?.details).toMatchObject({ before: { disabled: true }, after: { disabled: false } });
  });

  it('keep at least the caller: a platform admin cannot disable themselves or drop their own flag (409)', async () => {
    const admin = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'owner', platformAdmin: true, prefix: 'self' });
    const path = `/api/v1/admin/users/${admin.user.id}`;
    expect((await errorOf(await harness.call('PATCH', path, { headers: admin.session.write, body: { disabled: true } }), 409)).code).toBe('conflict');
    expect((await errorOf(await harness.call('PATCH', path, { headers: admin.session.write, body: { platform_admin: false } }), 409)).code).toBe('conflict');
  });

  it('get a new password from a platform admin: the old one stops, and so do their sessions', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, prefix: 'reset' });
    const next = `reset-${randomUUID()}`;
    const set = await harness.call('POST', `/api/v1/admin/users/${person.user.id}/password`, { token: workspace.platformAdmin, body: { password: next } });
    expect(set.status, await set.clone().text()).toBe(204);
    expect((await harness.call('GET', '/api/v1/auth/me', { headers: person.session.read })).status).toBe(401);
    expect((await harness.call('POST', '/api/v1/auth/login', { body: { email: person.email, password: person.password } })).status).toBe(401);
    expect((await harness.call('POST', '/api/v1/auth/login', { body: { email: person.email, password: next } })).status).toBe(200);
  });
});

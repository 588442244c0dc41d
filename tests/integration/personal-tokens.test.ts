// needs: Postgres, Temporal dev server
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, workspaceMembers } from '../../src/db/schema/index.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser, type TestUser } from '../support/people.ts';

let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'ws-personal');
});
afterAll(() => harness?.close());

async function errorOf(response: Response, status: number): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
}

async function personalToken(person: TestUser, body: Record<string, unknown> = {}) {
  const response = await harness.call('POST', '/api/v1/tokens/personal', { headers: person.session.write, body: { name: 'laptop', ...body } });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as { id: string; token: string; role: string; kind: string; user_id: string };
}

// A change an admin may make and an operator may not: a token of the workspace.
const adminChange = { name: 'made-by-a-personal-token', role: 'viewer' };

describe('personal tokens', () => {
  it('act as their user: the audit log names the person, and the role defaults to theirs', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'admin', prefix: 'personal' });
    const created = await personalToken(person);
    expect(created).toMatchObject({ role: 'admin', kind: 'personal', user_id: person.user.id });
    const made = await harness.call('POST', '/api/v1/tokens', { token: created.token, body: adminChange });
    expect(made.status, await made.clone().text()).toBe(201);
    const [row] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, workspace.id), eq(auditLog.action, 'token.create')))
      .orderBy(desc(auditLog.createdAt))
      .limit(1);
    expect(row).toMatchObject({ actor: person.email, actorTokenId: created.id });
  });

  it('are capped by the membership at each use: lowered to viewer → 403; removed → 401', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'admin', prefix: 'capped' });
    const { token } = await personalToken(person);
    const member = and(eq(workspaceMembers.workspaceId, workspace.id), eq(workspaceMembers.userId, person.user.id));
    await harness.db.update(workspaceMembers).set({ role: 'viewer' }).where(member);
    expect((await errorOf(await harness.call('POST', '/api/v1/tokens', { token, body: adminChange }), 403)).message).toMatch(/admin role; you have viewer/);
    expect((await harness.call('GET', '/api/v1/services', { token })).status).toBe(200);
    await harness.db.delete(workspaceMembers).where(member);
    expect((await errorOf(await harness.call('GET', '/api/v1/services', { token }), 401)).message).toMatch(/no longer a member/);
  });

  it('cannot hold more than their user’s role', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', prefix: 'above' });
    const refused = await harness.call('POST', '/api/v1/tokens/personal', { headers: person.session.write, body: { name: 'greedy', role: 'admin' } });
    expect((await errorOf(refused, 403)).message).toMatch(/cannot hold more than your role/);
    expect(await personalToken(person, { role: 'viewer' })).toMatchObject({ role: 'viewer' });
  });

  it('are made, listed and revoked by their person only: tokens get 403, another person’s token is not found', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', prefix: 'own' });
    const other = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator', prefix: 'other' });
    const mine = await personalToken(person);
    const theirs = await personalToken(other);
    const fromToken = await harness.call('POST', '/api/v1/tokens/personal', { token: mine.token, body: { name: 'token-made-token' } });
    expect((await errorOf(fromToken, 403)).code).toBe('session_required');

    const listed = await harness.call('GET', '/api/v1/tokens/personal', { headers: person.session.read });
    const items = ((await listed.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
    expect(items).toEqual([mine.id]);

    expect((await harness.call('DELETE', `/api/v1/tokens/personal/${theirs.id}`, { headers: person.session.write })).status).toBe(404);
    expect((await harness.call('GET', '/api/v1/services', { token: theirs.token })).status).toBe(200);
    expect((await harness.call('DELETE', `/api/v1/tokens/personal/${mine.id}`, { headers: person.session.write })).status).toBe(204);
    expect((await harness.call('GET', '/api/v1/services', { token: mine.token })).status).toBe(401);
  });

  it('show up, with their kind and user, in the admins’ list of the workspace’s tokens', async () => {
    const person = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'viewer', prefix: 'listed' });
    const created = await personalToken(person);
    const response = await harness.call('GET', '/api/v1/tokens', { token: workspace.tokens.admin });
    const items = ((await response.json()) as { items: Array<{ id: string; kind: string; user_id: string | null }> }).items;
    expect(items.find((item) => item.id === created.id)).toMatchObject({ kind: 'personal', user_id: person.user.id });
    expect(items.some((item) => item.kind === 'service' && item.user_id === null)).toBe(true);
  });
});

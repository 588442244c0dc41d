// needs: Postgres, Temporal dev server
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser, type TestUser } from '../support/people.ts';

let harness: Harness;
let ws: TestWorkspace;
let other: TestWorkspace;
let owner: TestUser;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  ws = await createTestWorkspace(harness.db, 'members');
  other = await createTestWorkspace(harness.db, 'members-other');
  owner = await createTestUser(harness.db, { workspaceId: ws.id, role: 'owner', prefix: 'owner' });
});
afterAll(() => harness?.close());

const users = (id = ws.id) => `/api/v1/workspaces/${id}/users`;
const asWriter = (person: TestUser, body?: unknown) => ({ headers: person.session.write, body });

async function errorCode(response: Response, status: number): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string } }).error.code;
}

interface MemberBody {
  user_id: string;
  email: string;
  display_name: string;
  role: string;
  environment_roles: Record<string, string>;
}

describe('members', () => {
  it('lists, adds, changes and removes members, audited with before and after', async () => {
    const newcomer = await createTestUser(harness.db, { prefix: 'newcomer' });
    const added = await harness.call('POST', users(), asWriter(owner, { user_id: newcomer.user.id, role: 'operator', environment_roles: { production: 'viewer' } }));
    expect(added.status, await added.clone().text()).toBe(201);
    expect(await added.json()).toEqual({
      user_id: newcomer.user.id,
      email: newcomer.email,
      display_name: newcomer.user.displayName,
      role: 'operator',
      environment_roles: { production: 'viewer' },
    });

    const listed = (await (await harness.call('GET', users(), { headers: newcomer.session.read })).json()) as { items: MemberBody[] };
    expect(listed.items.map((item) => [item.email, item.role])).toEqual(expect.arrayContaining([[owner.email, 'owner'], [newcomer.email, 'operator']]));

    const changed = await harness.call('PATCH', `${users()}/${newcomer.user.id}`, asWriter(owner, { role: 'admin' }));
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as MemberBody).environment_roles).toEqual({ production: 'viewer' });
    const [audit] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'workspace.member.update'), eq(auditLog.target, `workspace/${ws.id}/users/${newcomer.user.id}`)))
      .orderBy(desc(auditLog.createdAt));
    expect(audit?.actor).toBe(owner.email);
    expect(audit?.details).toEqual({ before: { role: 'operator', environment_roles: { production: 'viewer' } }, after: { role: 'admin', environment_roles: { production: 'viewer' } } });

    expect(await errorCode(await harness.call('POST', users(), asWriter(owner, { user_id: newcomer.user.id, role: 'viewer' })), 409)).toBe('conflict');
    expect((await harness.call('DELETE', `${users()}/${newcomer.user.id}`, asWriter(owner))).status).toBe(204);
    // Removed: their session no longer reaches the workspace.
    expect(await errorCode(await harness.call('GET', users(), { headers: newcomer.session.read }), 403)).toBe('no_workspace');
  });

  it('refuses members below admin (403) and callers of other workspaces (404)', async () => {
    const operator = await createTestUser(harness.db, { workspaceId: ws.id, role: 'operator' });
    const stranger = await createTestUser(harness.db, {});
    expect(await errorCode(await harness.call('POST', users(), asWriter(operator, { user_id: stranger.user.id, role: 'viewer' })), 403)).toBe('forbidden');
    expect(await errorCode(await harness.call('POST', users(), { token: ws.tokens.operator, body: { user_id: stranger.user.id, role: 'viewer' } }), 403)).toBe('forbidden');
    expect(await errorCode(await harness.call('PATCH', `${users()}/${owner.user.id}`, asWriter(operator, { role: 'viewer' })), 403)).toBe('forbidden');
    // Another workspace's admin token, and a signed-in user who belongs to another workspace only.
    expect(await errorCode(await harness.call('GET', users(), { token: other.tokens.admin }), 404)).toBe('not_found');
    const outsider = await createTestUser(harness.db, { workspaceId: other.id, role: 'owner' });
    expect(await errorCode(await harness.call('GET', users(), { headers: outsider.session.read }), 404)).toBe('not_found');
    expect(await errorCode(await harness.call('POST', users(), asWriter(owner, { user_id: '00000000-0000-4000-8000-000000000000', role: 'viewer' })), 404)).toBe('not_found');
  });

  it('lets only owners make, change or remove owners', async () => {
    const admin = await createTestUser(harness.db, { workspaceId: ws.id, role: 'admin' });
    const candidate = await createTestUser(harness.db, { prefix: 'candidate' });
    expect(await errorCode(await harness.call('POST', users(), asWriter(admin, { user_id: candidate.user.id, role: 'owner' })), 403)).toBe('forbidden');
    expect(await errorCode(await harness.call('PATCH', `${users()}/${owner.user.id}`, asWriter(admin, { role: 'viewer' })), 403)).toBe('forbidden');
    expect(await errorCode(await harness.call('DELETE', `${users()}/${owner.user.id}`, asWriter(admin)), 403)).toBe('forbidden');
    expect(await errorCode(await harness.call('PATCH', `${users()}/${admin.user.id}`, asWriter(admin, { role: 'owner' })), 403)).toBe('forbidden');
    // An admin manages the roles below owner, their own included.
    expect((await harness.call('POST', users(), asWriter(admin, { user_id: candidate.user.id, role: 'admin' }))).status).toBe(201);
    expect((await harness.call('PATCH', `${users()}/${candidate.user.id}`, asWriter(admin, { role: 'viewer' }))).status).toBe(200);
  });

  it('keeps the last owner: no leaving, removal or demotion (409) until another owner exists', async () => {
    const solo = await createTestWorkspace(harness.db, 'solo');
    const first = await createTestUser(harness.db, { workspaceId: solo.id, role: 'owner', prefix: 'first' });
    const second = await createTestUser(harness.db, { workspaceId: solo.id, role: 'viewer', prefix: 'second' });
    const self = `${users(solo.id)}/${first.user.id}`;
    expect(await errorCode(await harness.call('DELETE', self, asWriter(first)), 409)).toBe('conflict');
    expect(await errorCode(await harness.call('PATCH', self, asWriter(first, { role: 'admin' })), 409)).toBe('conflict');
    // A platform admin acts as an owner, and still may not remove the last one.
    expect(await errorCode(await harness.call('DELETE', self, { token: ws.platformAdmin }), 409)).toBe('conflict');
    // A per-environment narrowing leaves the owner an owner.
    expect((await harness.call('PATCH', self, asWriter(first, { environment_roles: { production: 'operator' } }))).status).toBe(200);

    expect((await harness.call('PATCH', `${users(solo.id)}/${second.user.id}`, asWriter(first, { role: 'owner' }))).status).toBe(200);
    expect((await harness.call('DELETE', self, asWriter(first))).status).toBe(204);
    const left = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'workspace.member.leave'), eq(auditLog.target, `workspace/${solo.id}/users/${first.user.id}`)));
    expect(left[0]?.details).toMatchObject({ before: { role: 'owner' }, after: null });
    // Now the second is the last.
    expect(await errorCode(await harness.call('DELETE', `${users(solo.id)}/${second.user.id}`, asWriter(second)), 409)).toBe('conflict');
  });

  it('lets any member leave, and no one below admin remove someone else', async () => {
    const viewer = await createTestUser(harness.db, { workspaceId: ws.id, role: 'viewer' });
    const another = await createTestUser(harness.db, { workspaceId: ws.id, role: 'viewer' });
    expect(await errorCode(await harness.call('DELETE', `${users()}/${another.user.id}`, asWriter(viewer)), 403)).toBe('forbidden');
    expect((await harness.call('DELETE', `${users()}/${viewer.user.id}`, asWriter(viewer))).status).toBe(204);
  });
});

describe('per-environment roles', () => {
  const release = (environment: string) => ({ service: `env-roles-${environment}`, environment, version: '1.0.0', strategy: 'dry-run' });

  it('narrow a member: operator in staging, viewer in production (the lower role wins)', async () => {
    const narrowed = await createTestUser(harness.db, { workspaceId: ws.id, role: 'operator', environmentRoles: { production: 'viewer' } });
    const staging = await harness.call('POST', '/api/v1/deployments', asWriter(narrowed, release('staging')));
    expect(staging.status, await staging.clone().text()).toBe(201);
    const production = await harness.call('POST', '/api/v1/deployments', asWriter(narrowed, release('production')));
    expect(await errorCode(production, 403)).toBe('forbidden');
  });

  it('never raise a member above their workspace role', async () => {
    const viewer = await createTestUser(harness.db, { workspaceId: ws.id, role: 'viewer', environmentRoles: { staging: 'owner' } });
    expect(await errorCode(await harness.call('POST', '/api/v1/deployments', asWriter(viewer, release('staging'))), 403)).toBe('forbidden');
  });

  it('apply at once when an admin narrows a member through the API', async () => {
    const member = await createTestUser(harness.db, { workspaceId: ws.id, role: 'operator' });
    expect((await harness.call('POST', '/api/v1/deployments', asWriter(member, { ...release('production'), service: 'env-roles-before' }))).status).toBe(201);
    const narrowed = await harness.call('PATCH', `${users()}/${member.user.id}`, asWriter(owner, { environment_roles: { production: 'viewer' } }));
    expect(narrowed.status).toBe(200);
    expect(await errorCode(await harness.call('POST', '/api/v1/deployments', asWriter(member, { ...release('production'), service: 'env-roles-after' })), 403)).toBe('forbidden');
    expect((await harness.call('POST', '/api/v1/deployments', asWriter(member, { ...release('staging'), service: 'env-roles-after' }))).status).toBe(201);
  });
});

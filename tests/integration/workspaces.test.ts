// needs: Postgres, Temporal dev server
import { and, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/db/repositories/workspaces.ts';
import { auditLog, workspaceMembers, workspaces } from '../../src/db/schema/index.ts';
import { defaultQuotas } from '../../src/quotas/limits.ts';
import { harmlessJob } from '../support/authorization-fixtures.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { bindTestWorkspace } from '../support/bindings.ts';
import { createTestUser } from '../support/people.ts';

let harness: Harness;
let platform: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  platform = await createTestWorkspace(harness.db, 'ws-platform');
});
afterAll(() => harness?.close());

interface WorkspaceBody {
  id: string;
  name: string;
  description: string;
  deleted_at: string | null;
  purge_after: string | null;
  users_count: number;
  storage_used_gb: number;
  api_calls_today: number;
  quotas: Record<string, number>;
  usage: Record<string, number>;
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

async function errorOf(response: Response, status: number): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
}

/** A workspace made through the API, with its admin token and a signed-in owner. */
async function newWorkspace(body: Record<string, unknown> = {}) {
  const response = await harness.call('POST', '/api/v1/workspaces', { token: platform.platformAdmin, body: { name: unique('ws-crud'), ...body } });
  expect(response.status, await response.clone().text()).toBe(201);
  const created = (await response.json()) as { workspace: WorkspaceBody; admin_token: string };
  const owner = await createTestUser(harness.db, { workspaceId: created.workspace.id, role: 'owner', prefix: 'ws-owner' });
  return { ...created, owner };
}

const confirmDelete = { confirm: 'delete' };

describe('workspace CRUD', () => {
  it('creates a workspace with a description and quotas; its admin token works', async () => {
    const { workspace, admin_token } = await newWorkspace({ description: 'the payments team', quotas: { services: 5, api_calls_per_hour: 500 } });
    expect(workspace).toMatchObject({ description: 'the payments team', deleted_at: null, users_count: 0 });
    expect(workspace.quotas).toMatchObject({ services: 5, api_calls_per_hour: 500, storage_gb: defaultQuotas.storageGb });
    expect(workspace.usage).toMatchObject({ services: 0, ops_jobs: 0 });
    const details = await harness.call('GET', `/api/v1/workspaces/${workspace.id}`, { token: admin_token });
    expect(details.status).toBe(200);
    expect(((await details.json()) as WorkspaceBody).users_count).toBe(1);
    const audit = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'workspace.create'), eq(auditLog.target, `workspace/${workspace.id}`)));
    expect(audit[0]?.details).toMatchObject({ before: null, after: { name: workspace.name, description: 'the payments team', quotas: { services: 5, apiCallsPerHour: 500 } } });
  });

  it('refuses a taken name whatever its case (409), quotas below the minimum (422), and callers below platform admin (403)', async () => {
    const { workspace } = await newWorkspace();
    const again = await harness.call('POST', '/api/v1/workspaces', { token: platform.platformAdmin, body: { name: workspace.name.toUpperCase() } });
    expect((await errorOf(again, 409)).code).toBe('conflict');
    const tooLow = await harness.call('POST', '/api/v1/workspaces', { token: platform.platformAdmin, body: { name: unique('ws-low'), quotas: { api_calls_per_hour: 1 } } });
    expect((await errorOf(tooLow, 422)).code).toBe('validation_failed');
    expect((await errorOf(await harness.call('POST', '/api/v1/workspaces', { token: platform.tokens.owner, body: { name: unique('ws-no') } }), 403)).code).toBe('forbidden');
  });

  it('lists all workspaces for platform admins, their own for members and tokens', async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const both = await createTestUser(harness.db, { workspaceId: a.workspace.id, role: 'viewer' });
    await harness.db.insert(workspaceMembers).values({ workspaceId: b.workspace.id, userId: both.user.id, role: 'operator' });

    const all = (await (await harness.call('GET', '/api/v1/workspaces', { token: platform.platformAdmin })).json()) as { items: WorkspaceBody[] };
    expect(all.items.map((item) => item.id)).toEqual(expect.arrayContaining([a.workspace.id, b.workspace.id, platform.id]));
    const item = all.items.find((entry) => entry.id === a.workspace.id)!;
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['id', 'name', 'description', 'users_count', 'storage_used_gb', 'api_calls_today', 'quotas', 'usage']));
    expect(item.users_count).toBe(2);

    const mine = (await (await harness.call('GET', '/api/v1/workspaces', { headers: both.session.read })).json()) as { items: WorkspaceBody[] };
    expect(mine.items.map((entry) => entry.id).sort()).toEqual([a.workspace.id, b.workspace.id].sort());
    const token = (await (await harness.call('GET', '/api/v1/workspaces', { token: a.admin_token })).json()) as { items: WorkspaceBody[] };
    expect(token.items.map((entry) => entry.id)).toEqual([a.workspace.id]);
    // Another workspace's details: 404 to a token and to a non-member, as if it did not exist.
    expect((await errorOf(await harness.call('GET', `/api/v1/workspaces/${b.workspace.id}`, { token: a.admin_token }), 404)).code).toBe('not_found');
    expect((await errorOf(await harness.call('GET', `/api/v1/workspaces/${platform.id}`, { headers: both.session.read }), 404)).code).toBe('not_found');
    expect((await errorOf(await harness.call('GET', '/api/v1/workspaces?deleted=true', { token: a.admin_token }), 403)).code).toBe('forbidden');
  });

  it('renames a workspace (admins), refusing a taken name (409) and viewers (403), audited with before and after', async () => {
    const { workspace, admin_token } = await newWorkspace();
    const other = await newWorkspace();
    const renamed = unique('ws-renamed');
    const answer = await harness.call('PATCH', `/api/v1/workspaces/${workspace.id}`, { token: admin_token, body: { name: renamed, description: 'new' } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ name: renamed, description: 'new' });
    const [audit] = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'workspace.update'), eq(auditLog.target, `workspace/${workspace.id}`)));
    expect(audit?.details).toEqual({ before: { name: workspace.name, description: '' }, after: { name: renamed, description: 'new' } });
    const taken = await harness.call('PATCH', `/api/v1/workspaces/${workspace.id}`, { token: admin_token, body: { name: other.workspace.name.toUpperCase() } });
    expect((await errorOf(taken, 409)).code).toBe('conflict');
    const viewer = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'viewer' });
    const refused = await harness.call('PATCH', `/api/v1/workspaces/${workspace.id}`, { headers: viewer.session.write, body: { description: 'no' } });
    expect((await errorOf(refused, 403)).code).toBe('forbidden');
  });
});

describe('soft delete and restore', () => {
  it('needs the typed confirmation, an owner and a step-up; tokens can never delete', async () => {
    const { workspace, owner } = await newWorkspace();
    const path = `/api/v1/workspaces/${workspace.id}`;
    const admin = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'admin' });
    expect((await errorOf(await harness.call('DELETE', path, { headers: admin.session.write, body: confirmDelete }), 403)).code).toBe('forbidden');
    const token = (await createApiToken(harness.db, { workspaceId: workspace.id, name: 'owner-token', role: 'owner' })).plaintext;
    expect((await errorOf(await harness.call('DELETE', path, { token, body: confirmDelete }), 403)).code).toBe('step_up_required');
    expect((await errorOf(await harness.call('DELETE', path, { token: platform.platformAdmin, body: confirmDelete }), 403)).code).toBe('step_up_required');
    expect((await errorOf(await harness.call('DELETE', path, { headers: owner.session.write, body: { confirm: workspace.name } }), 422)).code).toBe('validation_failed');
    expect((await errorOf(await harness.call('DELETE', path, { headers: owner.session.write }), 422)).code).toBe('validation_failed');
    // A stale step-up (older than the window) is refused too.
    await harness.db.execute(sql`update sessions set step_up_at = now() - interval '1 day' where id = ${owner.session.sessionId}`);
    expect((await errorOf(await harness.call('DELETE', path, { headers: owner.session.write, body: confirmDelete }), 403)).code).toBe('step_up_required');
    expect((await harness.call('GET', path, { token })).status).toBe(200);
  });

  it('stops its tokens and sessions at once, holds its name, and a platform admin restores it within the retention', async () => {
    const { workspace, admin_token, owner } = await newWorkspace();
    const member = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'operator' });
    const path = `/api/v1/workspaces/${workspace.id}`;
    const deleted = await harness.call('DELETE', path, { headers: owner.session.write, body: confirmDelete });
    expect(deleted.status, await deleted.clone().text()).toBe(202);
    const body = (await deleted.json()) as { purge_after: string; workspace: WorkspaceBody };
    const retention = new Date(body.purge_after).getTime() - Date.now();
    expect(retention).toBeGreaterThan(29 * 86_400_000);
    expect(retention).toBeLessThanOrEqual(30 * 86_400_000);

    // Its token, and sessions acting in it (by header, or by their only membership), stop at once.
    expect((await errorOf(await harness.call('GET', '/api/v1/services', { token: admin_token }), 401)).code).toBe('unauthorized');
    expect((await errorOf(await harness.call('GET', '/api/v1/services', { headers: { ...member.session.read, 'x-cutover-workspace': workspace.id } }), 403)).code).toBe('forbidden');
    expect((await errorOf(await harness.call('GET', '/api/v1/services', { headers: member.session.read }), 403)).code).toBe('no_workspace');
    expect((await errorOf(await harness.call('GET', path, { headers: owner.session.read }), 403)).code).toBe('no_workspace');

    // The name stays taken (the answer says by a deleted workspace) until the purge.
    const clash = await errorOf(await harness.call('POST', '/api/v1/workspaces', { token: platform.platformAdmin, body: { name: workspace.name } }), 409);
    expect(clash.message).toContain('deleted workspace');

    const listed = (await (await harness.call('GET', '/api/v1/workspaces?deleted=true', { token: platform.platformAdmin })).json()) as { items: WorkspaceBody[] };
    expect(listed.items.find((item) => item.id === workspace.id)?.purge_after).toBe(body.purge_after);
    const live = (await (await harness.call('GET', '/api/v1/workspaces', { token: platform.platformAdmin })).json()) as { items: WorkspaceBody[] };
    expect(live.items.some((item) => item.id === workspace.id)).toBe(false);
    const [deletion] = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'workspace.delete'), eq(auditLog.target, `workspace/${workspace.id}`)));
    expect(deletion?.actor).toBe(owner.email);
    expect(deletion?.details).toMatchObject({ before: { deleted_at: null }, after: { purge_after: body.purge_after } });

    expect((await errorOf(await harness.call('POST', `${path}/restore`, { token: platform.tokens.owner }), 403)).code).toBe('forbidden');
    const restored = await harness.call('POST', `${path}/restore`, { token: platform.platformAdmin });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ id: workspace.id, deleted_at: null, purge_after: null });
    expect((await harness.call('GET', '/api/v1/services', { token: admin_token })).status).toBe(200);
    expect((await harness.call('GET', '/api/v1/services', { headers: member.session.read })).status).toBe(200);
    expect((await errorOf(await harness.call('POST', `${path}/restore`, { token: platform.platformAdmin }), 409)).code).toBe('conflict');
    // The purge of that deletion is cancelled.
    const history = await harness.temporal.workflow.getHandle(`workspace-purge/${workspace.id}`).fetchHistory();
    expect(history.events?.some((event) => event.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
  });

  it('refuses a restore after the retention (409)', async () => {
    const { workspace, owner } = await newWorkspace();
    expect((await harness.call('DELETE', `/api/v1/workspaces/${workspace.id}`, { headers: owner.session.write, body: confirmDelete })).status).toBe(202);
    await harness.db.update(workspaces).set({ purgeAfter: new Date(Date.now() - 1000) }).where(eq(workspaces.id, workspace.id));
    const late = await errorOf(await harness.call('POST', `/api/v1/workspaces/${workspace.id}/restore`, { token: platform.platformAdmin }), 409);
    expect(late.message).toContain('retention');
  });

  it('pauses its running schedules on delete and resumes only those on restore; a platform admin may delete it', async () => {
    const { workspace, admin_token } = await newWorkspace();
    await bindTestWorkspace(harness.db, workspace.id, 'local');
    const running = await harness.call('POST', '/api/v1/ops/jobs', { token: admin_token, body: { ...harmlessJob(unique('running')), paused: false } });
    const paused = await harness.call('POST', '/api/v1/ops/jobs', { token: admin_token, body: harmlessJob(unique('paused')) });
    expect([running.status, paused.status], await running.clone().text()).toEqual([201, 201]);
    const [runningId, pausedId] = [((await running.json()) as { id: string }).id, ((await paused.json()) as { id: string }).id];
    const isPaused = async (jobId: string) =>
      (await harness.temporal.schedule.getHandle(`ops-job/${workspace.id}/${jobId}`).describe()).state.paused;
    expect([await isPaused(runningId), await isPaused(pausedId)]).toEqual([false, true]);

    const admin = await createTestUser(harness.db, { platformAdmin: true, prefix: 'platform' });
    // A platform admin who belongs to no workspace names one to act from.
    const headers = { ...admin.session.write, 'x-cutover-workspace': platform.id };
    const deleted = await harness.call('DELETE', `/api/v1/workspaces/${workspace.id}`, { headers, body: confirmDelete });
    expect(deleted.status, await deleted.clone().text()).toBe(202);
    expect(((await deleted.json()) as { schedules_paused: number }).schedules_paused).toBe(1);
    expect([await isPaused(runningId), await isPaused(pausedId)]).toEqual([true, true]);

    expect((await harness.call('POST', `/api/v1/workspaces/${workspace.id}/restore`, { headers })).status).toBe(200);
    expect([await isPaused(runningId), await isPaused(pausedId)]).toEqual([false, true]);
    const [restore] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'workspace.restore'), eq(auditLog.target, `workspace/${workspace.id}`)))
      .orderBy(desc(auditLog.createdAt));
    expect(restore?.details).toMatchObject({ before: { name: workspace.name }, after: { deleted_at: null, schedules_resumed: 1 } });
  });
});

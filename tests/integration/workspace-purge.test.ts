// needs: Postgres, Temporal dev server
import { count, eq, isNull, and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertService } from '../../src/db/repositories/services.ts';
import { auditLog, features, services, workspaceMembers, workspaces } from '../../src/db/schema/index.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { createTestUser } from '../support/people.ts';

// The purge after the retention (a short one, as an input): a durable timer workflow per deletion removes the
// workspace's records, keeps its audit rows detached, and frees its name.
let harness: Harness;
let platform: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ workspaceRetentionMs: 2_000 });
  platform = await createTestWorkspace(harness.db, 'purge-platform');
});
afterAll(() => harness?.close());

describe('workspace purge', () => {
  it('removes every record of a deleted workspace once the retention is over, keeps its audit detached, frees its name', async () => {
    const name = `purge-me-${Date.now().toString(36)}`;
    const created = await harness.call('POST', '/api/v1/workspaces', { token: platform.platformAdmin, body: { name } });
    expect(created.status).toBe(201);
    const { workspace, admin_token } = (await created.json()) as { workspace: { id: string }; admin_token: string };
    const owner = await createTestUser(harness.db, { workspaceId: workspace.id, role: 'owner', prefix: 'purge-owner' });
    await insertService(harness.db, { workspaceId: workspace.id, environment: 'dev', name: 'web', definition: {} });
    const flag = await harness.call('POST', '/api/v1/features', {
      token: admin_token,
      body: { key: 'soon-gone', environment: 'dev', name: 'x', type: 'boolean', variants: [{ key: 'off', value: false, weight: 1 }], default_variant: 'off' },
    });
    expect(flag.status, await flag.clone().text()).toBe(201);

    const deleted = await harness.call('DELETE', `/api/v1/workspaces/${workspace.id}`, { headers: owner.session.write, body: { confirm: 'delete' } });
    expect(deleted.status, await deleted.clone().text()).toBe(202);

    await eventually(async () => ((await harness.db.select().from(workspaces).where(eq(workspaces.id, workspace.id))).length === 0 ? true : undefined), 30_000);
    const left = async (table: typeof services | typeof features | typeof workspaceMembers) =>
      (await harness.db.select({ n: count() }).from(table).where(eq(table.workspaceId, workspace.id)))[0]!.n;
    expect(await left(services)).toBe(0);
    expect(await left(features)).toBe(0);
    expect(await left(workspaceMembers)).toBe(0);
    const detached = await harness.db.select().from(auditLog).where(and(isNull(auditLog.workspaceId), eq(auditLog.target, `workspace/${workspace.id}`)));
    expect(detached.map((row) => row.action)).toContain('workspace.delete');
    const again = await harness.call('POST', '/api/v1/workspaces', { token: platform.platformAdmin, body: { name } });
    expect(again.status, await again.clone().text()).toBe(201);
  }, 60_000);
});

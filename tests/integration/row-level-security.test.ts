// needs: Postgres (the embedded-database cases use PGlite in a temporary folder)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv, Caller } from '../../src/api/context.ts';
import { scopeReads } from '../../src/api/middleware/db-scope.ts';
import { openDatabase, type Database, type DatabaseHandle, type Executor } from '../../src/db/client.ts';
import { createApiToken, createWorkspace } from '../../src/db/repositories/workspaces.ts';
import { Client } from '@temporalio/client';
import { createApp } from '../../src/api/create-app.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { testLogger } from '../support/harness.ts';
import { services } from '../../src/db/schema/index.ts';
import { runInScope, scopedDatabase, withWorkspaceScope } from '../../src/db/scope.ts';
import postgres from 'postgres';
import { adminDatabaseUrl, createTestDatabase } from '../support/postgres.ts';

/** Rows of a raw query, whichever driver ran it (postgres.js answers an array, PGlite `{ rows }`). */
async function rows<T>(db: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

interface Tenants {
  a: string;
  b: string;
}

/** Two workspaces of this test's own, each with one service. */
async function seedTenants(db: Database): Promise<Tenants> {
  const tenants: string[] = [];
  for (const label of ['a', 'b']) {
    const workspace = await createWorkspace(db, `rls-${label}-${randomUUID().slice(0, 8)}`);
    if (!workspace) throw new Error('workspace name taken');
    await db.insert(services).values({ workspaceId: workspace.id, environment: 'dev', name: `svc-${label}`, definition: {} });
    tenants.push(workspace.id);
  }
  return { a: tenants[0]!, b: tenants[1]! };
}

/** The checks both databases must pass: the scope sees only its workspace, whatever the query forgets. */
function isolationCases(database: () => { db: Database; tenants: Tenants }) {
  it('an unfiltered read in a scope returns only that workspace', async () => {
    const { db, tenants } = database();
    await withWorkspaceScope(db, tenants.a, async (tx) => {
      const [who] = await rows<{ user: string }>(tx, sql`select current_user as "user"`);
      expect(who?.user).toBe('cutover_app');
      const raw = await rows<{ workspace_id: string; name: string }>(tx, sql`select * from services`);
      expect(raw.map((row) => row.name)).toContain('svc-a');
      expect(new Set(raw.map((row) => row.workspace_id))).toEqual(new Set([tenants.a]));
      const typed = await tx.select().from(services);
      expect(typed.length).toBe(raw.length);
      expect(typed.every((row) => row.workspaceId === tenants.a)).toBe(true);
      const visible = await rows<{ id: string }>(tx, sql`select id from workspaces`);
      expect(visible).toEqual([{ id: tenants.a }]);
    });
  });

  it("refuses to write another workspace's rows in a scope", async () => {
    const { db, tenants } = database();
    const insert = withWorkspaceScope(db, tenants.a, (tx) =>
      tx.insert(services).values({ workspaceId: tenants.b, environment: 'dev', name: 'smuggled', definition: {} }),
    );
    const error = await insert.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(String((error as Error | undefined)?.cause ?? error)).toMatch(/row-level security/);
    const updated = await withWorkspaceScope(db, tenants.a, (tx) =>
      rows<{ id: string }>(tx, sql`update services set name = 'renamed' where workspace_id = ${tenants.b} returning id`),
    );
    expect(updated).toEqual([]);
  });

  it('shows the app role nothing without a workspace, and the owner everything', async () => {
    const { db, tenants } = database();
    const unset = await db.transaction(async (tx) => {
      await tx.execute(sql`set local role cutover_app`);
      return rows<{ count: number }>(tx, sql`select count(*)::int as count from services`);
    });
    expect(unset).toEqual([{ count: 0 }]);
    const owner = await rows<{ workspace_id: string }>(db, sql`select workspace_id from services`);
    expect(owner.map((row) => row.workspace_id)).toEqual(expect.arrayContaining([tenants.a, tenants.b]));
  });

  it('puts every table with a workspace_id column, and workspaces, under forced row-level security', async () => {
    const { db } = database();
    const tables = await rows<{ table: string; rls: boolean; forced: boolean; policies: string[]; owner_policy: boolean }>(
      db,
      sql`select c.relname as "table", c.relrowsecurity as rls, c.relforcerowsecurity as forced,
                 coalesce(array(select p.polname::text from pg_policy p where p.polrelid = c.oid order by 1), '{}') as policies,
                 exists(select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'owner_all' and c.relowner = any(p.polroles)) as owner_policy
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'
            and (c.relname = 'workspaces' or exists (select 1 from information_schema.columns col
                   where col.table_schema = 'public' and col.table_name = c.relname and col.column_name = 'workspace_id'))
          order by 1`,
    );
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['services', 'workspaces', 'audit_log', 'ops_job_log_lines']));
    for (const table of tables) {
      expect({ table: table.table, rls: table.rls, forced: table.forced, ownerPolicy: table.owner_policy }).toEqual({
        table: table.table,
        rls: true,
        forced: true,
        ownerPolicy: true,
      });
      expect(table.policies, table.table).toContain('tenant_isolation');
    }
  });

  it('scopes a function that captured the scoped proxy, only while the scope runs', async () => {
    const { db, tenants } = database();
    const proxy = scopedDatabase(db);
    // As a repository would: it holds the proxy from construction and knows nothing of scopes.
    const listServices = () => proxy.select().from(services);
    const inside = await withWorkspaceScope(db, tenants.a, (tx) => runInScope(tx, listServices));
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.every((row) => row.workspaceId === tenants.a)).toBe(true);
    const outside = await listServices();
    expect(outside.map((row) => row.workspaceId)).toEqual(expect.arrayContaining([tenants.a, tenants.b]));
    // Work the scope started but did not wait for runs unscoped once it ended, not on the finished transaction.
    let straggler: Promise<unknown[]> | undefined;
    await withWorkspaceScope(db, tenants.a, (tx) =>
      runInScope(tx, () => {
        straggler = new Promise((resolve) => setTimeout(resolve, 50)).then(listServices);
        return Promise.resolve();
      }),
    );
    expect(((await straggler) as { workspaceId: string }[]).map((row) => row.workspaceId)).toContain(tenants.b);
  });
}

describe('row-level security on the Postgres server', () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;
  let tenants: Tenants;

  beforeAll(async () => {
    // A database of its own, migrated on a server whose cutover_app role exists already (the run's database).
    database = await createTestDatabase(`cutover_rls_${randomUUID().slice(0, 8)}`);
    handle = await openDatabase({ kind: 'postgres', url: database.url, maxConnections: 4 });
    tenants = await seedTenants(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  isolationCases(() => ({ db: handle.db, tenants }));

  it('scopes GET requests through the middleware, and leaves mutations and cross-workspace reads alone', async () => {
    const proxy = scopedDatabase(handle.db);
    const app = new Hono<AppEnv>();
    app.use('*', async (c, next) => {
      c.set('caller', { workspaceId: tenants.a } as Caller);
      await next();
    });
    app.use('*', scopeReads(handle.db));
    const names = async () => (await proxy.select().from(services)).map((row) => row.workspaceId);
    app.get('/api/v1/services', async (c) => c.json(await names()));
    app.post('/api/v1/services', async (c) => c.json(await names()));
    app.get('/api/v1/admin/services', async (c) => c.json(await names()));
    const seen = async (method: string, url: string) => new Set((await (await app.request(url, { method })).json()) as string[]);
    expect(await seen('GET', '/api/v1/services')).toEqual(new Set([tenants.a]));
    expect([...(await seen('POST', '/api/v1/services'))]).toEqual(expect.arrayContaining([tenants.a, tenants.b]));
    expect([...(await seen('GET', '/api/v1/admin/services'))]).toEqual(expect.arrayContaining([tenants.a, tenants.b]));
  });
});

// Production should not connect as a superuser, who bypasses row-level security altogether: here the tables'
// owner is an ordinary role, which FORCE subjects to the policies, so only owner_all keeps the app working.
describe('row-level security on the Postgres server, owned by a role that is not a superuser', () => {
  const name = `cutover_rls_owner_${randomUUID().slice(0, 8)}`;
  const admin = () => postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
  let handle: DatabaseHandle;
  let tenants: Tenants;

  beforeAll(async () => {
    const sql = admin();
    try {
      // CREATEROLE: the migration grants itself membership of cutover_app, to SET ROLE to it.
      await sql.unsafe(`create role "${name}" login createrole`);
      await sql.unsafe(`create database "${name}" owner "${name}"`);
    } finally {
      await sql.end();
    }
    const url = new URL(adminDatabaseUrl());
    url.username = name;
    url.pathname = `/${name}`;
    handle = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 2 });
    await handle.migrate();
    tenants = await seedTenants(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    const sql = admin();
    try {
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
      await sql.unsafe(`drop role if exists "${name}"`);
    } finally {
      await sql.end();
    }
  });

  isolationCases(() => ({ db: handle.db, tenants }));
});

describe('row-level security on the embedded database (PGlite)', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let tenants: Tenants;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cutover-rls-'));
    handle = await openDatabase({ kind: 'pglite', dataDir });
    await handle.migrate();
    tenants = await seedTenants(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  isolationCases(() => ({ db: handle.db, tenants }));
});

// The real app: its reads of a workspace run as cutover_app. Proven by taking SELECT on services away from that
// role in a database of this test's own: the app's GET /services then fails, the same app without row-level
// security answers, and a mutation (unscoped on purpose) still reads and writes.
describe('createApp runs workspace reads as cutover_app', () => {
  let database: { url: string; drop(): Promise<void> };
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase(`cutover_rls_app_${randomUUID().slice(0, 8)}`);
    handle = await openDatabase({ kind: 'postgres', url: database.url, maxConnections: 4 });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('fails a read the app role may not make, answers it without row-level security', async () => {
    const workspace = await createWorkspace(handle.db, `rls-app-${randomUUID().slice(0, 8)}`);
    const token = (await createApiToken(handle.db, { workspaceId: workspace!.id, name: 'rls-app-viewer', role: 'viewer' })).plaintext;
    const targets = createTargetDeps({ startSupervisor: false, watchKubernetes: false });
    const build = (rowLevelSecurity: boolean) =>
      createApp({ db: handle.db, temporal: new Client(), logger: testLogger, taskQueue: 'unused', temporalUiUrl: 'http://localhost:8233', targets, rowLevelSecurity });
    const read = (app: ReturnType<typeof createApp>) => app.request('/api/v1/services', { headers: { authorization: `Bearer ${token}` } });
    try {
      expect((await read(build(true))).status).toBe(200);
      await handle.db.execute(sql`revoke select on services from cutover_app`);
      expect((await read(build(true))).status).toBe(500);
      expect((await read(build(false))).status).toBe(200);
      // Asking for an event stream does not leave the scope on a route that has none.
      const asStream = await build(true).request('/api/v1/services', { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
      expect(asStream.status).toBe(500);
    } finally {
      await handle.db.execute(sql`grant select on services to cutover_app`);
      await targets.close();
    }
  });
});

import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import { isUuid } from '../lib/uuid.ts';
import type { Database, Executor, Transaction } from './client.ts';

/**
 * Row-level security as a backstop (drizzle/0007_row_level_security.sql): inside a workspace scope the
 * transaction runs as `cutover_app`, a role that owns nothing, so the tenant tables' policies apply and a query
 * that forgot its `workspace_id` filter still sees, and writes, only that workspace's rows.
 */
export const appRole = 'cutover_app';

/**
 * Runs `fn` in a transaction that acts as `cutover_app` for workspace `workspaceId`. Both settings are local to
 * the transaction (set_config(..., true), i.e. SET LOCAL), so a pooled connection goes back unscoped. Given a
 * transaction, they hold until that transaction ends: open the scope at the outermost one.
 */
export async function withWorkspaceScope<T>(db: Executor, workspaceId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  // Not a uuid: the policies' cast would fail every query; say why here instead.
  if (!isUuid(workspaceId)) throw new Error(`workspace scope needs a workspace id, got ${JSON.stringify(workspaceId)}`);
  // Through a scoped proxy this would be a savepoint of the active scope, whose SET LOCAL outlives it.
  if (activeScope.getStore()?.open) throw new Error('a workspace scope is active already: scopes do not nest');
  return db.transaction(async (tx) => {
    // set_config('role', ...) is SET LOCAL ROLE in one round trip with the workspace (as PostgREST does it).
    await tx.execute(sql`select set_config('role', ${appRole}, true), set_config('cutover.workspace_id', ${workspaceId}, true)`);
    return fn(tx);
  });
}

interface Scope {
  tx: Transaction;
  /** False once runInScope returned: a promise left running then must not use the finished transaction. */
  open: boolean;
}

const activeScope = new AsyncLocalStorage<Scope>();

/** Runs `fn` with `tx` as the active scope: every scopedDatabase proxy reached from `fn` queries through `tx`. */
export async function runInScope<T>(tx: Transaction, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { tx, open: true };
  try {
    return await activeScope.run(scope, fn);
  } finally {
    scope.open = false;
  }
}

/**
 * `db`, but while a scope is active (runInScope) every property is read from the scope's transaction instead.
 * Why a proxy: routes and repositories capture `deps.db` when the app is built, long before a request opens
 * its scope; handing them this proxy scopes them all without threading a transaction through every call.
 * Outside a scope it is `db` itself (the owner, unscoped). One process, one database: a scope opened on
 * another database's transaction would redirect this proxy too.
 * On PGlite, a query on the raw `db` inside a scope waits for the scope's transaction to end (one connection):
 * awaited from inside the scope, it never returns. Hand every scoped code path the proxy.
 */
export function scopedDatabase(db: Database): Database {
  return new Proxy(db, {
    get(target, property) {
      const scope = activeScope.getStore();
      const current: object = scope?.open ? scope.tx : target;
      const value: unknown = Reflect.get(current, property, current);
      // Methods (select, insert, transaction, execute, ...) must run with the transaction as `this`.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

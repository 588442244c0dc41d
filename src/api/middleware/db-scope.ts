import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Database } from '../../db/client.ts';
import { runInScope, withWorkspaceScope } from '../../db/scope.ts';
import type { AppEnv } from '../context.ts';

/**
 * Reads that span workspaces on purpose, so must not be scoped to the caller's: the platform admin's routes, the
 * workspace routes (the list, and `/workspaces/{id}/...`, which names a workspace by path that a signed-in user
 * may act in besides the caller's own), and `/auth/me` (the caller's memberships everywhere).
 */
export function crossWorkspaceRead(c: Context<AppEnv>): boolean {
  return /^(?:\/api\/v1)?\/(?:admin|workspaces)(?:\/|$)/.test(c.req.path) || /^(?:\/api\/v1)?\/auth\/me$/.test(c.req.path);
}

/**
 * Reads that wait on a worker: GET /services/{name}/environments runs a workflow whose activity reads the
 * database itself. On PGlite (one connection) the request's open scope would make that activity wait for the
 * request, which waits for the activity, until the read times out; so they run unscoped.
 */
export function waitsOnWorker(c: Context<AppEnv>): boolean {
  return /\/services\/[^/]+\/environments$/.test(c.req.path);
}

/**
 * A Server-Sent Events stream outlives next(): its transaction would end under it, or be held for minutes.
 * `/deployments/{id}/events`, `/services/{name}/traffic/events` and `/flags/{environment}/stream` always stream; `/ops/jobs/{id}/runs/{run_id}/logs`
 * does when asked to.
 */
function streams(c: Context<AppEnv>): boolean {
  // By route, never by the Accept header alone: any client could send that header to leave the scope.
  if (/\/deployments\/[^/]+\/events$/.test(c.req.path) || /\/services\/[^/]+\/traffic\/events$/.test(c.req.path)) return true;
  if (/\/flags\/[^/]+\/stream$/.test(c.req.path)) return true;
  return /\/ops\/jobs\/[^/]+\/runs\/[^/]+\/logs$/.test(c.req.path) && (c.req.header('accept')?.includes('text/event-stream') ?? false);
}

/**
 * Runs an authenticated GET or HEAD inside a transaction scoped to the caller's workspace (src/db/scope.ts), so
 * row-level security hides every other workspace's rows from a query that forgot its filter. Mount it after
 * authenticate, and hand the routes scopedDatabase(db) so their queries join the scope; `db` here is the
 * unscoped handle the scope's transaction is opened on.
 *
 * Mutations are not scoped, on purpose: a request-long transaction would hide its rows, until the request ends,
 * from the workflows it starts (they read through their own connections), and would hold locks for as long.
 * Requests without a caller, streams and `except` (default: crossWorkspaceRead or waitsOnWorker) pass through
 * unscoped.
 */
export function scopeReads(db: Database, options: { except?: (c: Context<AppEnv>) => boolean } = {}) {
  const except = options.except ?? ((c: Context<AppEnv>) => crossWorkspaceRead(c) || waitsOnWorker(c));
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.get('caller');
    if (!caller || (c.req.method !== 'GET' && c.req.method !== 'HEAD') || streams(c) || except(c)) {
      await next();
      return;
    }
    await withWorkspaceScope(db, caller.workspaceId, (tx) => runInScope(tx, next));
  });
}

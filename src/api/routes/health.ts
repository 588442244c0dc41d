import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AppEnv, ApiDeps } from '../context.ts';

const readinessTimeoutMs = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), readinessTimeoutMs).unref()),
  ]);
}

async function probe(check: () => Promise<unknown>, what: string): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(check(), what);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Liveness (the process answers) and readiness (database and Temporal reachable). */
export function healthRoutes(deps: ApiDeps) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const [database, temporal] = await Promise.all([
        probe(() => deps.db.execute(sql`select 1`), 'database'),
        probe(() => deps.temporal.workflowService.getSystemInfo({}), 'temporal'),
      ]);
      const ready = database.ok && temporal.ok;
      return c.json({ status: ready ? 'ready' : 'not_ready', checks: { database, temporal } }, ready ? 200 : 503);
    });
}

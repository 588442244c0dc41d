import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import type { ReleaseTarget } from '../targets/target.ts';
import { standbyColor, type Color } from '../workflows/lib/colors.ts';

/** What an instant switch did. */
export interface SwitchResult {
  /** Whether the stable traffic now goes to `to`. */
  switched: boolean;
  from: Color | null;
  to: Color;
  /** Why it did not switch. */
  reason?: string;
}

/**
 * Runs `body` while holding a release lock (a Postgres advisory lock on `key`, for the length of a transaction).
 * The key is the target objects' identity (releaseLockKey). Release starts, instant switches and retirements
 * take it, so a switch never lands between a release's "is one running?" check and its start, nor on a colour
 * being retired, whichever workspace asks.
 */
export async function withReleaseLock<T>(db: Database, key: string, body: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
    return body(tx);
  });
}

/**
 * Sends all stable traffic to `to` (default: the colour not serving now) if it is warm, i.e. has ready
 * instances; a cold colour is refused, never switched to. Idempotent: already there is a success.
 */
export async function switchToWarmColor(target: ReleaseTarget, service: string, to?: Color): Promise<SwitchResult> {
  for (let attempt = 0; ; attempt += 1) {
    const from = (await target.activeColor()) ?? null;
    const wanted = to ?? standbyColor(from ?? undefined);
    if (from === wanted) return { switched: true, from, to: wanted };
    const health = await target.podHealth(wanted);
    if (health.ready === 0) return { switched: false, from, to: wanted, reason: `${service}-${wanted} has no ready instances` };
    if (await target.select('stable', wanted)) return { switched: true, from, to: wanted };
    // `wanted` already served although `from` was read: traffic moved meanwhile. Decide again on what serves now
    // (the target reads live after such a surprise), so "the other colour" means the other one of now.
    if (to !== undefined || attempt >= 2) return { switched: true, from: wanted, to: wanted };
  }
}

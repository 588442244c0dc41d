import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { rateWindows, users } from '../db/schema/index.ts';
import { windowAt } from '../quotas/windows.ts';

/** How many wrong passwords sign-in forgives: per account (then a lock), and per client address (then a wait). */
export interface LoginLimits {
  /** Consecutive failures that lock an account. */
  maxFailures: number;
  lockMs: number;
  /** Failures one address may make in a fixed window of `addressWindowMs`, whatever accounts it tries. */
  addressFailures: number;
  addressWindowMs: number;
}

export const defaultLoginLimits: LoginLimits = { maxFailures: 5, lockMs: 15 * 60_000, addressFailures: 20, addressWindowMs: 10 * 60_000 };

function addressWindow(address: string, limits: LoginLimits, now: Date) {
  const seconds = Math.max(1, Math.round(limits.addressWindowMs / 1000));
  // The window length is part of the key, so differently configured API processes never share a row by accident.
  return { key: `login-address:${seconds}:${address}`, ...windowAt(now, seconds) };
}

/** When the address may try again, if it spent its failures in the current window. */
export async function addressBlockedUntil(db: Executor, address: string, limits: LoginLimits, now = new Date()): Promise<Date | undefined> {
  const window = addressWindow(address, limits, now);
  const [row] = await db
    .select({ count: rateWindows.count })
    .from(rateWindows)
    .where(and(eq(rateWindows.key, window.key), eq(rateWindows.windowStart, window.start)));
  return row && row.count >= limits.addressFailures ? window.end : undefined;
}

export async function countAddressFailure(db: Executor, address: string, limits: LoginLimits, now = new Date()): Promise<void> {
  const window = addressWindow(address, limits, now);
  await db
    .insert(rateWindows)
    .values({ key: window.key, windowStart: window.start, count: 1 })
    .onConflictDoUpdate({ target: [rateWindows.key, rateWindows.windowStart], set: { count: sql`${rateWindows.count} + 1` } });
}

/**
 * Counts a wrong password against the account in one statement (two API replicas cannot both miss the fifth), and
 * locks it when the count reaches the limit. Returns the lock's end when this failure locked it.
 */
export async function countAccountFailure(db: Executor, userId: string, limits: LoginLimits, now = new Date()): Promise<Date | undefined> {
  const lockUntil = new Date(now.getTime() + limits.lockMs);
  const reached = sql`${users.failedLogins} + 1 >= ${limits.maxFailures}`;
  const [row] = await db
    .update(users)
    .set({
      failedLogins: sql`case when ${reached} then 0 else ${users.failedLogins} + 1 end`,
      lockedUntil: sql`case when ${reached} then ${lockUntil.toISOString()}::timestamptz else ${users.lockedUntil} end`,
    })
    .where(eq(users.id, userId))
    .returning({ lockedUntil: users.lockedUntil });
  return row?.lockedUntil && row.lockedUntil.getTime() > now.getTime() ? row.lockedUntil : undefined;
}

export async function clearAccountFailures(db: Executor, userId: string): Promise<void> {
  await db.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, userId));
}

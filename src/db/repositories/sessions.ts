import { and, eq, gt, isNull, ne } from 'drizzle-orm';
import { generateApiToken, hashApiToken } from '../../lib/api-token.ts';
import type { Executor } from '../client.ts';
import { sessions, users } from '../schema/index.ts';
import type { User } from './users.ts';

export type Session = typeof sessions.$inferSelect;

/** A browser session's lifetimes: idle (since the last request) and absolute (since sign-in). */
export interface SessionLifetimes {
  idleMs: number;
  absoluteMs: number;
}

export const defaultSessionLifetimes: SessionLifetimes = { idleMs: 30 * 60_000, absoluteMs: 12 * 60 * 60_000 };

/**
 * Opens a session and returns its cookie value and CSRF token once; only their hashes are stored. A sign-in with
 * the password is a re-authentication, so the session starts stepped up unless `steppedUp` is false (a user with
 * TOTP must step up with a code: the password alone is one factor).
 */
export async function createSession(
  db: Executor,
  input: { userId: string; lifetimes: SessionLifetimes; ip?: string; userAgent?: string; now?: Date; steppedUp?: boolean },
): Promise<{ session: Session; token: string; csrfToken: string }> {
  const now = input.now ?? new Date();
  const token = generateApiToken('cus_');
  const csrfToken = generateApiToken('csrf_');
  const [session] = await db
    .insert(sessions)
    .values({
      userId: input.userId,
      tokenHash: hashApiToken(token),
      csrfTokenHash: hashApiToken(csrfToken),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + input.lifetimes.absoluteMs),
      stepUpAt: input.steppedUp === false ? null : now,
      ip: input.ip,
      userAgent: input.userAgent,
    })
    .returning();
  if (!session) throw new Error(`failed to open a session for user ${input.userId}`);
  return { session, token, csrfToken };
}

/**
 * The session behind a cookie value and its user, when it is neither revoked, past its absolute expiry, idle for
 * too long, nor its user disabled. Touches it (sliding the idle expiry).
 */
export async function findLiveSession(
  db: Executor,
  token: string,
  lifetimes: SessionLifetimes,
  now = new Date(),
): Promise<{ session: Session; user: User } | undefined> {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, hashApiToken(token)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, new Date(now.getTime() - lifetimes.idleMs)),
        isNull(users.disabledAt),
      ),
    );
  if (!row) return undefined;
  // Once a minute at most: a page polling every second would otherwise write a row per request.
  if (now.getTime() - row.session.lastSeenAt.getTime() > 60_000) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.session.id));
  }
  return row;
}

/** Whether a CSRF token is the session's. */
export function csrfTokenMatches(session: Session, csrfToken: string | undefined): boolean {
  return csrfToken !== undefined && hashApiToken(csrfToken) === session.csrfTokenHash;
}

/** Records a re-authentication (password or TOTP) on a session, which step-up actions demand to be recent. */
export async function markSteppedUp(db: Executor, sessionId: string, now = new Date()): Promise<void> {
  await db.update(sessions).set({ stepUpAt: now }).where(eq(sessions.id, sessionId));
}

export async function revokeSession(db: Executor, sessionId: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: new Date() }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Sign-out everywhere: every live session of the user ends (but `except`). Returns how many did. */
export async function revokeUserSessions(db: Executor, userId: string, options: { except?: string } = {}): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), options.except ? ne(sessions.id, options.except) : undefined))
    .returning({ id: sessions.id });
  return rows.length;
}

export async function findSessionById(db: Executor, id: string): Promise<Session | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  return row;
}

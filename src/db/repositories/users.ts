import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { rateWindows, users, workspaceMembers, workspaces, type Role } from '../schema/index.ts';

export type User = typeof users.$inferSelect;
export type Membership = typeof workspaceMembers.$inferSelect;

/** Creates a user; undefined when the email is taken (emails are unique whatever their case). */
export async function createUser(
  db: Executor,
  input: { email: string; displayName: string; passwordHash?: string; platformAdmin?: boolean },
): Promise<User | undefined> {
  const [row] = await db.insert(users).values(input).onConflictDoNothing().returning();
  return row;
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
  return row;
}

/** A new password hash; clears failed attempts and any lock. */
export async function setUserPassword(db: Executor, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, failedLogins: 0, lockedUntil: null }).where(eq(users.id, userId));
}

/** Starts a TOTP enrolment (a sealed secret, not yet enabled), or removes TOTP with `null`. */
export async function setTotpSecret(db: Executor, userId: string, sealed: string | null): Promise<void> {
  await db.update(users).set({ totpSecret: sealed, totpEnabledAt: null, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** Turns on the pending TOTP secret the code was checked against; false when another is pending now, or none. */
export async function enableTotp(db: Executor, userId: string, sealed: string, at = new Date()): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ totpEnabledAt: at, updatedAt: at })
    .where(and(eq(users.id, userId), eq(users.totpSecret, sealed), isNull(users.totpEnabledAt)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/**
 * Marks a TOTP time step used by a user; false when it was used already (a replayed code), whichever replica saw
 * it first. Kept in rate_windows, where steps older than ten minutes are dropped on the way.
 */
export async function claimTotpStep(db: Executor, userId: string, step: number, stepSeconds = 30): Promise<boolean> {
  const key = `totp-step:${userId}`;
  await db.delete(rateWindows).where(and(eq(rateWindows.key, key), lt(rateWindows.windowStart, new Date(Date.now() - 10 * 60_000))));
  const rows = await db
    .insert(rateWindows)
    .values({ key, windowStart: new Date(step * stepSeconds * 1000), count: 1 })
    .onConflictDoNothing()
    .returning({ key: rateWindows.key });
  return rows.length > 0;
}

export async function findUserById(db: Executor, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** A user's membership of one live workspace. */
export async function findMembership(db: Executor, workspaceId: string, userId: string): Promise<Membership | undefined> {
  const [row] = await db
    .select({ member: workspaceMembers })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId), isNull(workspaces.deletedAt)));
  return row?.member;
}

/** The live workspaces a user belongs to, oldest membership first. */
export async function listMemberships(db: Executor, userId: string): Promise<Array<{ member: Membership; workspace: typeof workspaces.$inferSelect }>> {
  return db
    .select({ member: workspaceMembers, workspace: workspaces })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(and(eq(workspaceMembers.userId, userId), isNull(workspaces.deletedAt)))
    .orderBy(asc(workspaceMembers.createdAt));
}

/** Adds a member, or changes their role when they already are one. */
export async function putMember(
  db: Executor,
  input: { workspaceId: string; userId: string; role: Role; environmentRoles?: Record<string, Role> },
): Promise<Membership> {
  const values = { ...input, environmentRoles: input.environmentRoles ?? {} };
  const [row] = await db
    .insert(workspaceMembers)
    .values(values)
    .onConflictDoUpdate({ target: [workspaceMembers.workspaceId, workspaceMembers.userId], set: { role: values.role, environmentRoles: values.environmentRoles } })
    .returning();
  if (!row) throw new Error(`failed to add user ${input.userId} to workspace ${input.workspaceId}`);
  return row;
}

export async function listUsers(db: Executor): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.createdAt));
}

/** Changes what a platform admin may change of a user; undefined when there is none by that id. */
export async function updateUser(
  db: Executor,
  userId: string,
  changes: { displayName?: string; platformAdmin?: boolean; disabledAt?: Date | null },
): Promise<User | undefined> {
  const [row] = await db.update(users).set(changes).where(eq(users.id, userId)).returning();
  return row;
}

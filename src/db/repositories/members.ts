import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { users, workspaceMembers, workspaces, type Role } from '../schema/index.ts';
import type { Membership } from './users.ts';

/** A member with what the member list shows of their user. */
export interface MemberWithUser {
  member: Membership;
  email: string;
  displayName: string;
}

export async function listMembers(db: Executor, workspaceId: string): Promise<MemberWithUser[]> {
  return db
    .select({ member: workspaceMembers, email: users.email, displayName: users.displayName })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .orderBy(asc(workspaceMembers.createdAt), asc(users.email));
}

export async function findMember(db: Executor, workspaceId: string, userId: string): Promise<MemberWithUser | undefined> {
  const [row] = await db
    .select({ member: workspaceMembers, email: users.email, displayName: users.displayName })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  return row;
}

/**
 * Locks the workspace's row until the transaction ends, so that two member changes of one workspace run one
 * after the other (two owners leaving at once must not leave none).
 */
export async function lockWorkspaceMembers(tx: Executor, workspaceId: string): Promise<void> {
  await tx.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, workspaceId)).for('update');
}

export async function countOwners(db: Executor, workspaceId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, 'owner')));
  return Number(row?.count ?? 0);
}

/** Adds a member; undefined when the user is one already. */
export async function insertMember(
  db: Executor,
  input: { workspaceId: string; userId: string; role: Role; environmentRoles: Record<string, Role> },
): Promise<Membership | undefined> {
  const [row] = await db.insert(workspaceMembers).values(input).onConflictDoNothing().returning();
  return row;
}

export async function updateMember(
  db: Executor,
  workspaceId: string,
  userId: string,
  changes: { role?: Role; environmentRoles?: Record<string, Role> },
): Promise<Membership | undefined> {
  const [row] = await db
    .update(workspaceMembers)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .returning();
  return row;
}

export async function deleteMember(db: Executor, workspaceId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .returning({ userId: workspaceMembers.userId });
  return rows.length > 0;
}

/** The live workspaces a user belongs to, by id. */
export async function memberWorkspaceIds(db: Executor, userId: string): Promise<string[]> {
  const rows = await db.select({ id: workspaceMembers.workspaceId }).from(workspaceMembers).where(eq(workspaceMembers.userId, userId));
  return rows.map((row) => row.id);
}

import { and, eq, isNull, sql } from 'drizzle-orm';
import { generateApiToken, hashApiToken } from '../../lib/api-token.ts';
import type { Executor } from '../client.ts';
import { apiTokens, workspaces, type Role } from '../schema/index.ts';

export type Workspace = typeof workspaces.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;

export async function findWorkspaceByName(db: Executor, name: string): Promise<Workspace | undefined> {
  const [row] = await db
    .select()
    .from(workspaces)
    .where(and(sql`lower(${workspaces.name}) = lower(${name})`, isNull(workspaces.deletedAt)));
  return row;
}

export async function createWorkspace(db: Executor, name: string): Promise<Workspace | undefined> {
  const [row] = await db.insert(workspaces).values({ name }).onConflictDoNothing().returning();
  return row;
}

/** The token's row and its workspace, if the token is known, not revoked and its workspace not deleted. */
export async function findActiveToken(
  db: Executor,
  token: string,
): Promise<{ token: ApiToken; workspace: Workspace } | undefined> {
  const [row] = await db
    .select({ token: apiTokens, workspace: workspaces })
    .from(apiTokens)
    .innerJoin(workspaces, eq(apiTokens.workspaceId, workspaces.id))
    .where(and(eq(apiTokens.tokenHash, hashApiToken(token)), isNull(apiTokens.revokedAt), isNull(workspaces.deletedAt)));
  return row;
}

/** A token's row by its plaintext, revoked or not. */
export async function findTokenByPlaintext(db: Executor, token: string): Promise<ApiToken | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hashApiToken(token)));
  return row;
}

/** Creates a token and returns its plaintext once; only the hash is stored. */
export async function createApiToken(
  db: Executor,
  input: { workspaceId: string; name: string; role: Role; platformAdmin?: boolean; token?: string; userId?: string },
): Promise<{ row: ApiToken; plaintext: string }> {
  const plaintext = input.token ?? generateApiToken();
  const [row] = await db
    .insert(apiTokens)
    .values({
      workspaceId: input.workspaceId,
      userId: input.userId,
      name: input.name,
      role: input.role,
      platformAdmin: input.platformAdmin ?? false,
      tokenHash: hashApiToken(plaintext),
    })
    .returning();
  if (!row) throw new Error(`failed to create token ${input.name}`);
  return { row, plaintext };
}

export async function listApiTokens(db: Executor, workspaceId: string): Promise<ApiToken[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.workspaceId, workspaceId)).orderBy(apiTokens.createdAt);
}

/** A user's personal tokens in one workspace. */
export async function listPersonalTokens(db: Executor, workspaceId: string, userId: string): Promise<ApiToken[]> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.userId, userId)))
    .orderBy(apiTokens.createdAt);
}

/** Revokes a token of this workspace (of this user, with `userId`); false when there is none by that id. */
export async function revokeApiToken(db: Executor, workspaceId: string, tokenId: string, options: { userId?: string } = {}): Promise<boolean> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiTokens.workspaceId, workspaceId),
        eq(apiTokens.id, tokenId),
        isNull(apiTokens.revokedAt),
        options.userId ? eq(apiTokens.userId, options.userId) : undefined,
      ),
    )
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

export async function countApiTokens(db: Executor, workspaceId: string): Promise<number> {
  return db.$count(apiTokens, eq(apiTokens.workspaceId, workspaceId));
}

export async function findWorkspaceById(db: Executor, id: string): Promise<Workspace | undefined> {
  const [row] = await db
    .select()
    .from(workspaces)
    .where(and(eq(workspaces.id, id), isNull(workspaces.deletedAt)));
  return row;
}

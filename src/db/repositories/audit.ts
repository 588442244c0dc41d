import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { auditLog, type AuditOutcome } from '../schema/index.ts';

export type AuditEntry = typeof auditLog.$inferSelect;

export interface NewAuditEntry {
  workspaceId: string | null;
  actor: string;
  actorTokenId: string | null;
  action: string;
  target: string | null;
  requestId: string;
  outcome: AuditOutcome;
  statusCode: number;
  details?: Record<string, unknown>;
}

export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry);
}

export async function listAuditEntries(db: Executor, workspaceId: string, limit: number): Promise<AuditEntry[]> {
  return db
    .select()
    .from(auditLog)
    .where(eq(auditLog.workspaceId, workspaceId))
    .orderBy(desc(auditLog.createdAt))
    .limit(limit);
}

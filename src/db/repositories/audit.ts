import { and, desc, eq } from 'drizzle-orm';
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

/** NUL bytes and lone surrogates, which Postgres refuses in text and jsonb. */
// eslint-disable-next-line no-control-regex -- a NUL byte is what it looks for
const unsafeText = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The same text with each unsafe character replaced by U+FFFD, so the row cannot fail on what it records. */
function safeText(text: string): string {
  return text.replace(unsafeText, '\ufffd');
}

function safeValue(value: unknown): unknown {
  if (typeof value === 'string') return safeText(value);
  if (Array.isArray(value)) return value.map(safeValue);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [safeText(key), safeValue(item)]));
  }
  return value;
}

export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    ...entry,
    actor: safeText(entry.actor),
    action: safeText(entry.action),
    target: entry.target === null ? null : safeText(entry.target),
    requestId: safeText(entry.requestId),
    ...(entry.details === undefined ? {} : { details: safeValue(entry.details) as Record<string, unknown> }),
  });
}

/** A workspace's entries, newest first; `target`: only those about one object (say `feature/<id>`). */
export async function listAuditEntries(db: Executor, workspaceId: string, limit: number, options: { target?: string } = {}): Promise<AuditEntry[]> {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.workspaceId, workspaceId), options.target === undefined ? undefined : eq(auditLog.target, options.target)))
    .orderBy(desc(auditLog.createdAt))
    .limit(limit);
}

import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { id } from './columns.ts';
import { workspaces } from './workspaces.ts';

export const auditOutcomes = ['success', 'failure'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];
export const auditOutcomeEnum = pgEnum('audit_outcome', auditOutcomes);

export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    // Null when the caller could not be authenticated.
    workspaceId: uuid().references(() => workspaces.id),
    // Token name, or "anonymous".
    actor: text().notNull(),
    actorTokenId: uuid(),
    // What was attempted, e.g. "deployment.create".
    action: text().notNull(),
    // What it was attempted on, e.g. "deployment/<id>".
    target: text(),
    requestId: text().notNull(),
    outcome: auditOutcomeEnum().notNull(),
    statusCode: integer().notNull(),
    details: jsonb().$type<Record<string, unknown>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('audit_log_workspace_created_idx').on(table.workspaceId, table.createdAt)],
);

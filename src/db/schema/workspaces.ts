import { boolean, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.ts';

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];
export const roleEnum = pgEnum('role', roles);

export const workspaces = pgTable(
  'workspaces',
  {
    id: id(),
    name: text().notNull(),
    ...timestamps,
    // Soft delete: a deleted workspace keeps its history but no longer authenticates.
    deletedAt: timestamp({ withTimezone: true }),
  },
  (table) => [uniqueIndex('workspaces_name_unique').on(table.name)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    name: text().notNull(),
    role: roleEnum().notNull(),
    // Above every workspace role: registers targets and binds them to workspace environments.
    platformAdmin: boolean().notNull().default(false),
    // SHA-256 of the token; the token itself is shown once and never stored.
    tokenHash: text().notNull(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('api_tokens_hash_unique').on(table.tokenHash),
    index('api_tokens_workspace_idx').on(table.workspaceId),
  ],
);

import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.ts';

/** Lowest to highest; a member's role in an environment is the lower of their workspace role and that environment's. */
export const roles = ['viewer', 'operator', 'admin', 'owner'] as const;
export type Role = (typeof roles)[number];
export const roleEnum = pgEnum('role', roles);

/** What a workspace may use; a missing key means the platform default (src/quotas/limits.ts). */
export interface WorkspaceQuotas {
  apiCallsPerHour?: number;
  apiCallsPerDay?: number;
  storageGb?: number;
  concurrentUsers?: number;
  services?: number;
  concurrentReleases?: number;
  opsJobs?: number;
  featureFlags?: number;
}

export const workspaces = pgTable(
  'workspaces',
  {
    id: id(),
    name: text().notNull(),
    description: text().notNull().default(''),
    quotas: jsonb().$type<WorkspaceQuotas>().notNull().default({}),
    ...timestamps,
    // Soft delete: a deleted workspace keeps its history but no longer authenticates; restorable until purgeAfter.
    deletedAt: timestamp({ withTimezone: true }),
    deletedBy: text(),
    // When the purge workflow of this deletion removes the workspace's records for good.
    purgeAfter: timestamp({ withTimezone: true }),
  },
  // Unique whatever the case, deleted workspaces included (a restore must not collide): the name frees up when
  // the purge removes the row.
  (table) => [uniqueIndex('workspaces_name_lower_unique').on(sql`lower(${table.name})`)],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text().notNull(),
    displayName: text().notNull(),
    // argon2id PHC string; null for a user who has not set a password yet.
    passwordHash: text(),
    // TOTP secret, sealed with the platform's payload keys (src/auth/totp.ts); pending until totpEnabledAt is set
    // (the user confirmed a code from their authenticator).
    totpSecret: text(),
    totpEnabledAt: timestamp({ withTimezone: true }),
    // Above every workspace role: registers targets, binds them, creates and deletes workspaces.
    platformAdmin: boolean().notNull().default(false),
    failedLogins: integer().notNull().default(0),
    lockedUntil: timestamp({ withTimezone: true }),
    disabledAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [uniqueIndex('users_email_unique').on(sql`lower(${table.email})`)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    // SHA-256 of the cookie's value; the value itself is never stored.
    tokenHash: text().notNull(),
    // SHA-256 of the CSRF token the browser sends back in a header on cookie-authenticated mutations.
    csrfTokenHash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    // Absolute expiry; the idle expiry is lastSeenAt plus the configured idle period.
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    // The last re-authentication (password or TOTP), which sensitive actions demand to be recent.
    stepUpAt: timestamp({ withTimezone: true }),
    ip: text(),
    userAgent: text(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (table) => [uniqueIndex('sessions_token_hash_unique').on(table.tokenHash), index('sessions_user_idx').on(table.userId)],
);

export const workspaceMembers = pgTable(
  'workspace_members',
  {
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    role: roleEnum().notNull(),
    // Narrows the role in named environments: { "production": "viewer" }. The effective role is the lower one.
    environmentRoles: jsonb().$type<Record<string, Role>>().notNull().default({}),
    ...timestamps,
  },
  (table) => [primaryKey({ columns: [table.workspaceId, table.userId] }), index('workspace_members_user_idx').on(table.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    // A personal token acts as this user, capped by the user's role in the workspace; null: a service token.
    userId: uuid().references(() => users.id),
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

/**
 * Fixed-window counters: API calls per workspace and hour or day, login attempts per account and address. In
 * Postgres, so they survive restarts and every API replica shares them.
 */
export const rateWindows = pgTable(
  'rate_windows',
  {
    // e.g. "api-hour:<workspace id>", "login-account:<email>".
    key: text().notNull(),
    windowStart: timestamp({ withTimezone: true }).notNull(),
    count: integer().notNull().default(0),
    // The highest soft-limit warning (80, 90) already sent for this window, so each is sent once.
    warnedPercent: integer().notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.key, table.windowStart] })],
);

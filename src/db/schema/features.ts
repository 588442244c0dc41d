import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid, boolean } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.ts';
import { workspaces } from './workspaces.ts';

/**
 * A feature flag of one workspace environment: its key is unique there; `definition` holds what evaluation needs
 * (type, variants, default variant, rollout, rules, stickiness; validated by the API's zod schema, evaluated by
 * src/flags/evaluate.ts); `version` rises on every change, so an evaluation says which configuration answered.
 */
export const features = pgTable(
  'features',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    environment: text().notNull(),
    key: text().notNull(),
    name: text().notNull(),
    description: text().notNull().default(''),
    enabled: boolean().notNull().default(false),
    definition: jsonb().$type<Record<string, unknown>>().notNull(),
    version: integer().notNull().default(1),
    createdBy: text().notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('features_workspace_env_key_unique').on(table.workspaceId, table.environment, table.key),
    index('features_workspace_idx').on(table.workspaceId),
  ],
);

/** A reusable set of conditions (say, "EU customers") that flag rules name. */
export const featureSegments = pgTable(
  'feature_segments',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    environment: text().notNull(),
    key: text().notNull(),
    conditions: jsonb().$type<unknown[]>().notNull(),
    ...timestamps,
  },
  (table) => [uniqueIndex('feature_segments_workspace_env_key_unique').on(table.workspaceId, table.environment, table.key)],
);

import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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

export const featureEventKinds = ['impression', 'conversion'] as const;

/**
 * What SDKs report for A/B results: an impression (a subject was served a flag's variant) or a conversion (a
 * subject reached a metric, say `checkout_completed`). `event_id` is the sender's, unique per workspace, so a
 * batch sent twice counts once.
 */
export const featureEvents = pgTable(
  'feature_events',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    environment: text().notNull(),
    eventId: text().notNull(),
    kind: text({ enum: featureEventKinds }).notNull(),
    /** The flag an impression is of; null for a conversion. */
    featureKey: text(),
    variant: text(),
    /** Why the impression's variant was served (SPLIT, TARGETING_MATCH, DEFAULT, DISABLED): the sample-ratio check counts SPLIT only. */
    reason: text(),
    /** Who: the flag's stickiness attribute (OpenFeature's targeting key). */
    subject: text().notNull(),
    /** The conversion's metric; null for an impression. */
    metric: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('feature_events_workspace_event_unique').on(table.workspaceId, table.eventId),
    index('feature_events_impressions_idx').on(table.workspaceId, table.environment, table.featureKey, table.subject),
    index('feature_events_conversions_idx').on(table.workspaceId, table.environment, table.metric, table.subject),
  ],
);

export const featureRampStatuses = ['running', 'paused', 'succeeded', 'rolled_back', 'aborted', 'failed'] as const;

/**
 * A flag ramp: a durable workflow (src/workflows/flag-ramp.ts) raising a flag's rollout in steps with analysis
 * between them, dropping it to 0% on a failed verdict. `steps` holds each step's outcome as it happens.
 */
export const featureRamps = pgTable(
  'feature_ramps',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    environment: text().notNull(),
    featureId: uuid().notNull(),
    featureKey: text().notNull(),
    workflowId: text().notNull(),
    status: text({ enum: featureRampStatuses }).notNull().default('running'),
    plan: jsonb().$type<Record<string, unknown>>().notNull(),
    currentPct: integer().notNull(),
    steps: jsonb().$type<unknown[]>().notNull().default([]),
    reason: text(),
    createdBy: text().notNull(),
    ...timestamps,
  },
  (table) => [
    index('feature_ramps_feature_idx').on(table.workspaceId, table.featureId),
    // One ramp at a time per flag: a second one would fight the first over the rollout.
    uniqueIndex('feature_ramps_one_active').on(table.featureId).where(sql`status in ('running', 'paused')`),
  ],
);

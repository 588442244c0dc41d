import { index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.ts';
import { workspaces } from './workspaces.ts';

export const deploymentStatuses = [
  'pending',
  'in_progress',
  'awaiting_approval',
  // A canary held by an inconclusive analysis (no data): a person promotes or aborts it.
  'paused',
  'succeeded',
  'failed',
  'rolled_back',
  'aborted',
] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];
/** Statuses of a release that has not ended: its workflow still runs and holds the service's release id. */
export const activeDeploymentStatuses: readonly DeploymentStatus[] = ['pending', 'in_progress', 'awaiting_approval', 'paused'];
export const deploymentStatusEnum = pgEnum('deployment_status', deploymentStatuses);

export const strategies = ['dry-run', 'blue-green', 'canary'] as const;
export type Strategy = (typeof strategies)[number];

export const deployments = pgTable(
  'deployments',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    service: text().notNull(),
    environment: text().notNull(),
    version: text().notNull(),
    image: text(),
    strategy: text().$type<Strategy>().notNull(),
    status: deploymentStatusEnum().notNull().default('pending'),
    options: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    workflowId: text().notNull(),
    // The run of that workflow that carries this deployment (the id is reused by every release of the service).
    runId: text(),
    // Who asked for it: the token's name.
    createdBy: text().notNull(),
    // Why it ended as it did, when it did not succeed.
    reason: text(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('deployments_workspace_created_idx').on(table.workspaceId, table.createdAt),
    index('deployments_workspace_service_idx').on(table.workspaceId, table.environment, table.service),
  ],
);

export const eventStatuses = ['started', 'succeeded', 'failed', 'skipped', 'info'] as const;
export type EventStatus = (typeof eventStatuses)[number];

export const deploymentEvents = pgTable(
  'deployment_events',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    deploymentId: uuid()
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    // Makes recording idempotent when Temporal retries the activity that writes it.
    eventKey: text().notNull(),
    step: text().notNull(),
    status: text().$type<EventStatus>().notNull(),
    message: text(),
    details: jsonb().$type<Record<string, unknown>>(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('deployment_events_key_unique').on(table.deploymentId, table.eventKey),
    index('deployment_events_workspace_idx').on(table.workspaceId),
  ],
);

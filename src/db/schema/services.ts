import { index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.ts';
import { workspaces } from './workspaces.ts';

export const services = pgTable(
  'services',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    environment: text().notNull(),
    name: text().notNull(),
    // The service definition (target, image, replicas, ports, checks, hooks); validated by the API's zod schema.
    definition: jsonb().$type<Record<string, unknown>>().notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('services_workspace_env_name_unique').on(table.workspaceId, table.environment, table.name),
    index('services_workspace_idx').on(table.workspaceId),
  ],
);

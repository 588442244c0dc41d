import { index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { BindingPolicy, TargetKind } from '../../bindings/policy.ts';
import { id, timestamps } from './columns.ts';
import { workspaces } from './workspaces.ts';

/** Where releases land, registered by a platform admin: the worker's Kubernetes cluster, or this machine. */
export const targets = pgTable(
  'targets',
  {
    id: id(),
    name: text().notNull(),
    kind: text().$type<TargetKind>().notNull(),
    description: text().notNull().default(''),
    ...timestamps,
  },
  (table) => [uniqueIndex('targets_name_unique').on(table.name)],
);

/**
 * What one workspace environment may touch on one target. `environment` is an environment name, or `*` for
 * every environment of the workspace that has no binding of its own for that kind of target.
 */
export const bindings = pgTable(
  'bindings',
  {
    id: id(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id),
    environment: text().notNull(),
    targetId: uuid()
      .notNull()
      .references(() => targets.id),
    // Copied from the target so that one binding per kind and environment is a unique index.
    targetKind: text().$type<TargetKind>().notNull(),
    policy: jsonb().$type<BindingPolicy>().notNull(),
    createdBy: text().notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('bindings_workspace_env_kind_unique').on(table.workspaceId, table.environment, table.targetKind),
    index('bindings_target_idx').on(table.targetId),
  ],
);

/**
 * A namespace belongs to one binding at most: the database refuses a second. Keyed by the kind, not the target:
 * a worker reaches one cluster (its kubeconfig), so every `kubernetes` target names the same namespaces.
 */
export const boundNamespaces = pgTable(
  'bound_namespaces',
  {
    targetKind: text().$type<TargetKind>().notNull(),
    namespace: text().notNull(),
    bindingId: uuid()
      .notNull()
      .references(() => bindings.id, { onDelete: 'cascade' }),
  },
  (table) => [primaryKey({ columns: [table.targetKind, table.namespace] }), index('bound_namespaces_binding_idx').on(table.bindingId)],
);

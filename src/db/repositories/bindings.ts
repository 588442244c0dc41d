import { and, eq, or } from 'drizzle-orm';
import { bindingPolicySchema, type BindingPolicy, type ResolvedBinding, type TargetKind } from '../../bindings/policy.ts';
import type { Scope } from '../../bindings/scope.ts';
import type { Executor } from '../client.ts';
import { bindings, boundNamespaces, targets } from '../schema/index.ts';

export type Target = typeof targets.$inferSelect;
export type Binding = typeof bindings.$inferSelect;

/** The environment name of a binding that covers every environment of its workspace without one of its own. */
export const anyEnvironment = '*';

export async function createTarget(db: Executor, input: { name: string; kind: TargetKind; description?: string }): Promise<Target | undefined> {
  const [row] = await db.insert(targets).values(input).onConflictDoNothing().returning();
  return row;
}

export async function findTargetByName(db: Executor, name: string): Promise<Target | undefined> {
  const [row] = await db.select().from(targets).where(eq(targets.name, name));
  return row;
}

export async function listTargets(db: Executor): Promise<Target[]> {
  return db.select().from(targets).orderBy(targets.name);
}

/** A namespace that another binding of the target holds already. */
export class NamespaceTakenError extends Error {
  constructor(readonly namespace: string) {
    super(`namespace ${namespace} is bound to another workspace environment`);
  }
}

/**
 * Creates or replaces the binding of a workspace environment to a target, claiming its namespaces in one
 * transaction: a namespace held by another binding of that target fails the whole change.
 */
export async function putBinding(
  db: Executor,
  input: { workspaceId: string; environment: string; target: Target; policy: BindingPolicy; createdBy: string },
): Promise<Binding> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(bindings)
      .values({
        workspaceId: input.workspaceId,
        environment: input.environment,
        targetId: input.target.id,
        targetKind: input.target.kind,
        policy: input.policy,
        createdBy: input.createdBy,
      })
      .onConflictDoUpdate({
        target: [bindings.workspaceId, bindings.environment, bindings.targetKind],
        set: { targetId: input.target.id, policy: input.policy, createdBy: input.createdBy, updatedAt: new Date() },
      })
      .returning();
    if (!row) throw new Error('failed to write the binding');
    await tx.delete(boundNamespaces).where(eq(boundNamespaces.bindingId, row.id));
    if (input.policy.namespaces.length > 0) {
      const claimed = await tx
        .insert(boundNamespaces)
        .values(input.policy.namespaces.map((namespace) => ({ targetKind: input.target.kind, namespace, bindingId: row.id })))
        .onConflictDoNothing()
        .returning({ namespace: boundNamespaces.namespace });
      const taken = input.policy.namespaces.find((namespace) => !claimed.some((claim) => claim.namespace === namespace));
      if (taken !== undefined) throw new NamespaceTakenError(taken);
    }
    return row;
  });
}

export async function listBindings(db: Executor, filter: { workspaceId?: string } = {}): Promise<Array<{ binding: Binding; target: Target }>> {
  return db
    .select({ binding: bindings, target: targets })
    .from(bindings)
    .innerJoin(targets, eq(bindings.targetId, targets.id))
    .where(filter.workspaceId ? eq(bindings.workspaceId, filter.workspaceId) : undefined)
    .orderBy(bindings.createdAt);
}

export async function findBindingById(db: Executor, id: string): Promise<{ binding: Binding; target: Target } | undefined> {
  const [row] = await db.select({ binding: bindings, target: targets }).from(bindings).innerJoin(targets, eq(bindings.targetId, targets.id)).where(eq(bindings.id, id));
  return row;
}

export async function deleteBinding(db: Executor, id: string): Promise<Binding | undefined> {
  const [row] = await db.delete(bindings).where(eq(bindings.id, id)).returning();
  return row;
}

/**
 * The binding that governs a workspace environment on a kind of target: the environment's own, else the
 * workspace's `*` binding. Undefined when it has neither: nothing may run there.
 */
export async function findBinding(db: Executor, scope: Scope, kind: TargetKind): Promise<ResolvedBinding | undefined> {
  const rows = await db
    .select({ binding: bindings, target: targets })
    .from(bindings)
    .innerJoin(targets, eq(bindings.targetId, targets.id))
    .where(
      and(
        eq(bindings.workspaceId, scope.workspaceId),
        eq(bindings.targetKind, kind),
        or(eq(bindings.environment, scope.environment), eq(bindings.environment, anyEnvironment)),
      ),
    );
  const row = rows.find((candidate) => candidate.binding.environment === scope.environment) ?? rows[0];
  return row && toResolved(row);
}

export function toResolved(row: { binding: Binding; target: Target }): ResolvedBinding {
  return {
    id: row.binding.id,
    workspaceId: row.binding.workspaceId,
    environment: row.binding.environment,
    target: { id: row.target.id, name: row.target.name, kind: row.target.kind },
    // Stored policies were validated when written; parsing again fills defaults added since.
    policy: bindingPolicySchema.parse(row.binding.policy),
  };
}

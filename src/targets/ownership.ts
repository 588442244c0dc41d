import type { Scope } from '../bindings/scope.ts';

// Who an object on a target belongs to. Every object Cutover creates carries its workspace and environment as
// labels; before Cutover changes an object it reads it and refuses one that belongs to someone else.

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const workspaceLabel = 'cutover.dev/workspace';
export const environmentLabel = 'cutover.dev/environment';

/** The labels that mark an object as this workspace environment's, made by Cutover. */
export function ownerLabels(owner: Scope): Record<string, string> {
  return { [managedByLabel]: 'cutover', [workspaceLabel]: owner.workspaceId, [environmentLabel]: owner.environment };
}

/** An object on a target, by kind (Deployment, Service, HTTPRoute, Job, local service) and place. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** The whole story, for logs: who owns the object, by id. */
function ownerMessage(object: ObjectRef, owner: Partial<Scope> | undefined): string {
  const where = `${object.kind} ${object.namespace}/${object.name}`;
  if (!owner) return `${where} exists and is not managed by Cutover`;
  if (owner.workspaceId === undefined && owner.environment === undefined) return `${where} belongs to another service`;
  return `${where} belongs to workspace ${owner.workspaceId ?? '(none)'} environment ${owner.environment ?? '(none)'}`;
}

/**
 * An object this workspace environment may not adopt: another workspace's or environment's, or one Cutover did
 * not make at all. `owner` is what its labels say (undefined when Cutover does not manage it).
 */
export class OwnedElsewhereError extends Error {
  constructor(
    readonly object: ObjectRef,
    readonly owner: Partial<Scope> | undefined,
  ) {
    super(ownerMessage(object, owner));
  }

  /** What the asking workspace environment is told: the object and why, never another workspace's id. */
  describeFor(asking: Scope): string {
    const where = `${this.object.kind} ${this.object.namespace}/${this.object.name}`;
    if (!this.owner) return `${where} exists and is not managed by Cutover: it is not adopted`;
    // Managed, but whose is not said (a port the local supervisor gives another of its services).
    if (this.owner.workspaceId === undefined && this.owner.environment === undefined) return `${where} belongs to another service`;
    if (this.owner.workspaceId === asking.workspaceId) return `${where} belongs to the ${this.owner.environment ?? 'unnamed'} environment of this workspace`;
    return `${where} belongs to another workspace`;
  }
}

/** The OwnedElsewhereError behind `error` (itself or somewhere in its causes), if any. */
export function ownedElsewhere(error: unknown): OwnedElsewhereError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth += 1) {
    if (current instanceof OwnedElsewhereError) return current;
  }
  return undefined;
}

/**
 * Whether `owner` may change an object carrying `labels`: 'owned' when it is already its own, 'legacy' when an
 * older Cutover made it (managed-by cutover but no workspace or environment label): such an object is adopted,
 * and the caller writes the owner labels onto it with its next change. Anything else throws OwnedElsewhereError.
 */
export function checkOwner(object: ObjectRef, labels: Record<string, string> | undefined, owner: Scope): 'owned' | 'legacy' {
  if (labels?.[managedByLabel] !== 'cutover') throw new OwnedElsewhereError(object, undefined);
  const workspaceId = labels[workspaceLabel];
  const environment = labels[environmentLabel];
  if (workspaceId === undefined && environment === undefined) return 'legacy';
  if (workspaceId !== owner.workspaceId || environment !== owner.environment) throw new OwnedElsewhereError(object, { workspaceId, environment });
  return 'owned';
}

import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import {
  activeDeploymentStatuses,
  deploymentEvents,
  deployments,
  type DeploymentStatus,
  type EventStatus,
  type Strategy,
} from '../schema/index.ts';

export type Deployment = typeof deployments.$inferSelect;
export type DeploymentEvent = typeof deploymentEvents.$inferSelect;

export interface NewDeployment {
  workspaceId: string;
  service: string;
  environment: string;
  version: string;
  image?: string;
  strategy: Strategy;
  options: Record<string, unknown>;
  workflowId: string;
  createdBy: string;
}

export async function insertDeployment(db: Executor, input: NewDeployment): Promise<Deployment> {
  const [row] = await db.insert(deployments).values(input).returning();
  if (!row) throw new Error(`failed to insert deployment of ${input.service}`);
  return row;
}

export async function findDeployment(db: Executor, workspaceId: string, id: string): Promise<Deployment | undefined> {
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, id)));
  return row;
}

export interface DeploymentFilter {
  service?: string;
  environment?: string;
  status?: DeploymentStatus;
  /** Keyset cursor: the createdAt and id of the last row of the previous page. */
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** Newest first, keyset-paginated. */
export async function listDeployments(db: Executor, workspaceId: string, filter: DeploymentFilter): Promise<Deployment[]> {
  const conditions: SQL[] = [eq(deployments.workspaceId, workspaceId)];
  if (filter.service) conditions.push(eq(deployments.service, filter.service));
  if (filter.environment) conditions.push(eq(deployments.environment, filter.environment));
  if (filter.status) conditions.push(eq(deployments.status, filter.status));
  if (filter.before) {
    const { createdAt, id } = filter.before;
    const older = or(
      lt(deployments.createdAt, createdAt),
      and(eq(deployments.createdAt, createdAt), lt(deployments.id, id)),
    );
    if (older) conditions.push(older);
  }
  return db
    .select()
    .from(deployments)
    .where(and(...conditions))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(filter.limit);
}

const finalStatuses: readonly DeploymentStatus[] = ['succeeded', 'failed', 'rolled_back', 'aborted'];

/** Moves a deployment to a status; started/finished times are set the first time they apply. */
export async function updateDeploymentStatus(
  db: Executor,
  workspaceId: string,
  id: string,
  status: DeploymentStatus,
  reason?: string,
): Promise<Deployment | undefined> {
  const existing = await findDeployment(db, workspaceId, id);
  if (!existing) return undefined;
  const now = new Date();
  const [row] = await db
    .update(deployments)
    .set({
      status,
      reason: reason ?? existing.reason,
      startedAt: existing.startedAt ?? (status === 'pending' ? null : now),
      finishedAt: finalStatuses.includes(status) ? (existing.finishedAt ?? now) : null,
    })
    .where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, id)))
    .returning();
  return row;
}

export interface NewDeploymentEvent {
  workspaceId: string;
  deploymentId: string;
  eventKey: string;
  step: string;
  status: EventStatus;
  message?: string;
  details?: Record<string, unknown>;
  startedAt?: Date;
  endedAt?: Date;
}

/** Idempotent on (deploymentId, eventKey): a retried activity updates the same row. */
export async function recordDeploymentEvent(db: Executor, event: NewDeploymentEvent): Promise<DeploymentEvent> {
  const [row] = await db
    .insert(deploymentEvents)
    .values(event)
    .onConflictDoUpdate({
      target: [deploymentEvents.deploymentId, deploymentEvents.eventKey],
      set: {
        status: event.status,
        message: event.message ?? null,
        details: event.details ?? null,
        startedAt: event.startedAt ?? null,
        endedAt: event.endedAt ?? null,
      },
    })
    .returning();
  if (!row) throw new Error(`failed to record event ${event.eventKey}`);
  return row;
}

export async function listDeploymentEvents(
  db: Executor,
  workspaceId: string,
  deploymentId: string,
): Promise<DeploymentEvent[]> {
  return db
    .select()
    .from(deploymentEvents)
    .where(and(eq(deploymentEvents.workspaceId, workspaceId), eq(deploymentEvents.deploymentId, deploymentId)))
    .orderBy(deploymentEvents.createdAt, deploymentEvents.id);
}


/** The unfinished deployment that holds this workflow id, if any. */
export async function findActiveDeployment(
  db: Executor,
  workspaceId: string,
  workflowId: string,
): Promise<Deployment | undefined> {
  const [row] = await db
    .select()
    .from(deployments)
    .where(
      and(
        eq(deployments.workspaceId, workspaceId),
        eq(deployments.workflowId, workflowId),
        inArray(deployments.status, [...activeDeploymentStatuses]),
      ),
    )
    .orderBy(desc(deployments.createdAt))
    .limit(1);
  return row;
}

/** Records which workflow run carries a deployment, once it started. */
export async function setDeploymentRunId(db: Executor, workspaceId: string, id: string, runId: string): Promise<void> {
  await db
    .update(deployments)
    .set({ runId })
    .where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, id)));
}

export async function deleteDeployment(db: Executor, workspaceId: string, id: string): Promise<void> {
  await db.delete(deployments).where(and(eq(deployments.workspaceId, workspaceId), eq(deployments.id, id)));
}

import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { featureRamps } from '../schema/index.ts';

export type FeatureRamp = typeof featureRamps.$inferSelect;
export type FeatureRampStatus = FeatureRamp['status'];

/** One step's outcome as a ramp records it. */
export interface RampStepRecord {
  name: string;
  outcome: string;
  at: string;
  details?: Record<string, unknown>;
}

/** Records a new ramp; undefined when the flag has one running or paused (the partial unique index). */
export async function insertFeatureRamp(
  db: Executor,
  input: Pick<FeatureRamp, 'workspaceId' | 'environment' | 'featureId' | 'featureKey' | 'workflowId' | 'plan' | 'currentPct' | 'createdBy'> & { id: string },
): Promise<FeatureRamp | undefined> {
  const [row] = await db.insert(featureRamps).values(input).onConflictDoNothing().returning();
  return row;
}

export async function findFeatureRamp(db: Executor, workspaceId: string, featureId: string, rampId: string): Promise<FeatureRamp | undefined> {
  const [row] = await db.select().from(featureRamps).where(and(eq(featureRamps.workspaceId, workspaceId), eq(featureRamps.featureId, featureId), eq(featureRamps.id, rampId)));
  return row;
}

export async function listFeatureRamps(db: Executor, workspaceId: string, featureId: string): Promise<FeatureRamp[]> {
  return db.select().from(featureRamps).where(and(eq(featureRamps.workspaceId, workspaceId), eq(featureRamps.featureId, featureId))).orderBy(desc(featureRamps.createdAt)).limit(100);
}

export async function activeFeatureRamp(db: Executor, workspaceId: string, featureId: string): Promise<FeatureRamp | undefined> {
  const [row] = await db
    .select()
    .from(featureRamps)
    .where(and(eq(featureRamps.workspaceId, workspaceId), eq(featureRamps.featureId, featureId), sql`${featureRamps.status} in ('running', 'paused')`));
  return row;
}

export async function deleteFeatureRamp(db: Executor, workspaceId: string, rampId: string): Promise<void> {
  await db.delete(featureRamps).where(and(eq(featureRamps.workspaceId, workspaceId), eq(featureRamps.id, rampId)));
}

/**
 * Appends a step's outcome (a step already recorded under its name is replaced, so a retried activity records it
 * once) and, when given, the status, reason and rollout in force.
 */
export async function recordRampProgress(
  db: Executor,
  workspaceId: string,
  rampId: string,
  progress: { step?: RampStepRecord; status?: FeatureRampStatus; reason?: string | null; currentPct?: number },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(featureRamps).where(and(eq(featureRamps.workspaceId, workspaceId), eq(featureRamps.id, rampId))).for('update');
    if (!row) return;
    const steps = (row.steps as RampStepRecord[]).filter((step) => step.name !== progress.step?.name);
    if (progress.step) steps.push(progress.step);
    await tx
      .update(featureRamps)
      .set({
        steps,
        ...(progress.status ? { status: progress.status } : {}),
        ...(progress.reason !== undefined ? { reason: progress.reason } : {}),
        ...(progress.currentPct !== undefined ? { currentPct: progress.currentPct } : {}),
        updatedAt: new Date(),
      })
      .where(eq(featureRamps.id, rampId));
  });
}

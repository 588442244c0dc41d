import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import type { FlagDefinition, Segment } from '../../flags/evaluate.ts';
import { featureSegments, features } from '../schema/index.ts';

export type FeatureRow = typeof features.$inferSelect;
type NewFeature = Pick<FeatureRow, 'workspaceId' | 'environment' | 'key' | 'name' | 'description' | 'enabled' | 'definition' | 'createdBy'>;

/** Creates a flag; undefined when the environment has one with that key. */
export async function insertFeature(db: Executor, input: NewFeature): Promise<FeatureRow | undefined> {
  const [row] = await db.insert(features).values(input).onConflictDoNothing().returning();
  return row;
}

export async function findFeature(db: Executor, workspaceId: string, id: string): Promise<FeatureRow | undefined> {
  const [row] = await db.select().from(features).where(and(eq(features.workspaceId, workspaceId), eq(features.id, id)));
  return row;
}

export async function listFeatures(db: Executor, workspaceId: string, environment?: string): Promise<FeatureRow[]> {
  return db
    .select()
    .from(features)
    .where(and(eq(features.workspaceId, workspaceId), environment === undefined ? undefined : eq(features.environment, environment)))
    .orderBy(asc(features.environment), asc(features.key));
}

/** Replaces a flag's configuration when it is still at `version` (409 for the caller otherwise); the version rises. */
export async function replaceFeature(
  db: Executor,
  workspaceId: string,
  id: string,
  version: number,
  changes: Pick<FeatureRow, 'name' | 'description' | 'enabled' | 'definition'>,
): Promise<FeatureRow | undefined> {
  const [row] = await db
    .update(features)
    .set({ ...changes, version: sql`${features.version} + 1`, updatedAt: new Date() })
    .where(and(eq(features.workspaceId, workspaceId), eq(features.id, id), eq(features.version, version)))
    .returning();
  return row;
}

export async function deleteFeature(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db.delete(features).where(and(eq(features.workspaceId, workspaceId), eq(features.id, id))).returning({ id: features.id });
  return rows.length > 0;
}

/** What evaluation needs of a stored flag: its definition, with its key, state and version. */
export function toFlagDefinition(row: FeatureRow): FlagDefinition {
  return { ...(row.definition as unknown as Omit<FlagDefinition, 'key' | 'enabled' | 'version'>), key: row.key, enabled: row.enabled, version: row.version };
}

/** An environment's segments by key, as evaluation takes them. */
export async function loadSegments(db: Executor, workspaceId: string, environment: string): Promise<Map<string, Segment>> {
  const rows = await db.select().from(featureSegments).where(and(eq(featureSegments.workspaceId, workspaceId), eq(featureSegments.environment, environment)));
  return new Map(rows.map((row) => [row.key, { key: row.key, conditions: row.conditions as Segment['conditions'] }]));
}

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

/** A flag by its key in one environment (keys are unique there; the check route and copies name flags so). */
export async function findFeatureByKey(db: Executor, workspaceId: string, environment: string, key: string): Promise<FeatureRow | undefined> {
  const [row] = await db.select().from(features).where(and(eq(features.workspaceId, workspaceId), eq(features.environment, environment), eq(features.key, key)));
  return row;
}

export type SegmentRow = typeof featureSegments.$inferSelect;

export async function listSegments(db: Executor, workspaceId: string, environment?: string): Promise<SegmentRow[]> {
  return db
    .select()
    .from(featureSegments)
    .where(and(eq(featureSegments.workspaceId, workspaceId), environment === undefined ? undefined : eq(featureSegments.environment, environment)))
    .orderBy(asc(featureSegments.environment), asc(featureSegments.key));
}

export async function findSegment(db: Executor, workspaceId: string, id: string): Promise<SegmentRow | undefined> {
  const [row] = await db.select().from(featureSegments).where(and(eq(featureSegments.workspaceId, workspaceId), eq(featureSegments.id, id)));
  return row;
}

/** Creates a segment; undefined when the environment has one with that key. */
export async function insertSegment(db: Executor, input: Pick<SegmentRow, 'workspaceId' | 'environment' | 'key' | 'conditions'>): Promise<SegmentRow | undefined> {
  const [row] = await db.insert(featureSegments).values(input).onConflictDoNothing().returning();
  return row;
}

export async function replaceSegmentConditions(db: Executor, workspaceId: string, id: string, conditions: unknown[]): Promise<SegmentRow | undefined> {
  const [row] = await db
    .update(featureSegments)
    .set({ conditions, updatedAt: new Date() })
    .where(and(eq(featureSegments.workspaceId, workspaceId), eq(featureSegments.id, id)))
    .returning();
  return row;
}

export async function deleteSegment(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(featureSegments)
    .where(and(eq(featureSegments.workspaceId, workspaceId), eq(featureSegments.id, id)))
    .returning({ id: featureSegments.id });
  return rows.length > 0;
}

/** The keys of the environment's flags with a rule naming segment `key` (jsonb containment: any rule, any position). */
export async function flagsNamingSegment(db: Executor, workspaceId: string, environment: string, key: string): Promise<string[]> {
  const naming = JSON.stringify({ rules: [{ segments: [key] }] });
  const rows = await db
    .select({ key: features.key })
    .from(features)
    .where(and(eq(features.workspaceId, workspaceId), eq(features.environment, environment), sql`${features.definition} @> ${naming}::jsonb`))
    .orderBy(asc(features.key));
  return rows.map((row) => row.key);
}

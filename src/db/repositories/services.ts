import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { services } from '../schema/index.ts';

export type ServiceRow = typeof services.$inferSelect;

/** Inserts a definition; undefined when the service already exists in that environment. */
export async function insertService(
  db: Executor,
  input: { workspaceId: string; environment: string; name: string; definition: Record<string, unknown> },
): Promise<ServiceRow | undefined> {
  const [row] = await db.insert(services).values(input).onConflictDoNothing().returning();
  return row;
}

export async function findService(db: Executor, workspaceId: string, environment: string, name: string): Promise<ServiceRow | undefined> {
  const [row] = await db
    .select()
    .from(services)
    .where(and(eq(services.workspaceId, workspaceId), eq(services.environment, environment), eq(services.name, name)));
  return row;
}

export async function listServices(db: Executor, workspaceId: string, filter: { name?: string; environment?: string } = {}): Promise<ServiceRow[]> {
  const conditions: SQL[] = [eq(services.workspaceId, workspaceId)];
  if (filter.name) conditions.push(eq(services.name, filter.name));
  if (filter.environment) conditions.push(eq(services.environment, filter.environment));
  return db
    .select()
    .from(services)
    .where(and(...conditions))
    .orderBy(asc(services.name), asc(services.environment));
}

/** Replaces a definition; undefined when the service is not registered in that environment. */
export async function updateService(
  db: Executor,
  input: { workspaceId: string; environment: string; name: string; definition: Record<string, unknown> },
): Promise<ServiceRow | undefined> {
  const [row] = await db
    .update(services)
    .set({ definition: input.definition, updatedAt: new Date() })
    .where(and(eq(services.workspaceId, input.workspaceId), eq(services.environment, input.environment), eq(services.name, input.name)))
    .returning();
  return row;
}

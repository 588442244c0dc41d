import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { deployments, type DeploymentStatus } from '../../db/schema/index.ts';
import type { WorkloadRunner } from './types.ts';

const finishedStatuses: DeploymentStatus[] = ['succeeded', 'failed', 'rolled_back', 'aborted'];
const day = 86_400_000;

/** Built in: deletes the workspace's finished deployment records (and their steps) older than N days. */
export function cleanupDeploymentsRunner(deps: { db: Database; now?: () => Date }): WorkloadRunner<'cleanup-deployments'> {
  return {
    type: 'cleanup-deployments',
    async run(workload, context) {
      const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - workload.older_than_days * day);
      context.onLine('stdout', `deleting finished deployments that ended before ${cutoff.toISOString()}`);
      const deleted = await deps.db
        .delete(deployments)
        .where(
          and(
            eq(deployments.workspaceId, context.workspaceId),
            inArray(deployments.status, finishedStatuses),
            lt(sql`coalesce(${deployments.finishedAt}, ${deployments.createdAt})`, sql`${cutoff.toISOString()}::timestamptz`),
          ),
        )
        .returning({ id: deployments.id });
      context.onLine('stdout', `deleted ${deleted.length} deployment record(s)`);
      return { exitCode: 0 };
    },
  };
}

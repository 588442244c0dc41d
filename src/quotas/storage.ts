import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { dumpNamePattern } from '../ops/workloads/database-backup.ts';
import { rowsOf } from './counters.ts';

/** What a workspace stores, measured. */
export interface StorageMeasurement {
  /** pg_column_size of each of its rows: audit log, deployments and their events, services, flags, ops jobs, runs, log lines. */
  rowsBytes: number;
  /** Sizes of the backup dumps its backup hooks and database-backup jobs wrote, in the folders they name. */
  filesBytes: number;
  /** Backup folders this process could not read (on another machine, say): their dumps are not in filesBytes. */
  unreadableDirectories: string[];
  measuredAt: Date;
}

/** A measurement is reused this long: summing every row of a workspace is too dear for each request. */
export const storageCacheMs = 60_000;

// Per database handle, so two apps on two databases (tests) never share measurements.
const caches = new WeakMap<object, Map<string, StorageMeasurement>>();

/** The cached measurements of these workspaces, measuring those older than storageCacheMs (in one pass). */
export async function workspaceStorage(db: Executor, workspaceIds: string[], now = new Date()): Promise<Map<string, StorageMeasurement>> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map<string, StorageMeasurement>()));
  const stale = workspaceIds.filter((id) => {
    const cached = cache.get(id);
    return !cached || now.getTime() - cached.measuredAt.getTime() >= storageCacheMs;
  });
  if (stale.length > 0) for (const [id, measured] of await measureStorage(db, stale, now)) cache.set(id, measured);
  return new Map(workspaceIds.map((id) => [id, cache.get(id)!]));
}

/** Drops cached measurements (all, or one workspace's), so the next read measures again. */
export function forgetStorage(db: Executor, workspaceId?: string): void {
  if (workspaceId === undefined) caches.delete(db);
  else caches.get(db)?.delete(workspaceId);
}

export const usedBytes = (measurement: StorageMeasurement): number => measurement.rowsBytes + measurement.filesBytes;

interface RowsRow {
  id: string;
  bytes: number | string;
}

interface DumpSource {
  workspace_id: string;
  job_name: string;
  directory: string;
}

/** Measures now: one statement for the rows of all the workspaces, then the dump folders their definitions name. */
export async function measureStorage(db: Executor, workspaceIds: string[], now = new Date()): Promise<Map<string, StorageMeasurement>> {
  const ids = sql.join(workspaceIds.map((id) => sql`${id}::uuid`), sql`, `);
  // Log lines are reached through the workspace's jobs and runs, whose indexes lead there (they have none of
  // their own on workspace_id).
  const rows = await rowsOf<RowsRow>(
    db,
    sql`select w.id,
          coalesce((select sum(pg_column_size(t.*)) from audit_log t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from deployments t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from deployment_events t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from services t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from features t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from feature_segments t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from feature_events t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from feature_ramps t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(t.*)) from ops_jobs t where t.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(r.*)) from ops_jobs j join ops_job_runs r on r.job_id = j.id where j.workspace_id = w.id), 0)
        + coalesce((select sum(pg_column_size(l.*)) from ops_jobs j join ops_job_runs r on r.job_id = j.id
                      join ops_job_log_lines l on l.run_id = r.id where j.workspace_id = w.id), 0) as bytes
        from workspaces w where w.id in (${ids})`,
  );
  // Dumps are named after the job that wrote them: a backup hook runs as "<service>-backup" (src/activities/hooks.ts).
  const sources = await rowsOf<DumpSource>(
    db,
    sql`select workspace_id, name || '-backup' as job_name, definition->'hooks'->'backup'->>'directory' as directory
          from services where workspace_id in (${ids}) and definition->'hooks'->'backup'->>'directory' is not null
        union
        select workspace_id, name as job_name, workload->>'directory' as directory
          from ops_jobs where workspace_id in (${ids}) and workload->>'type' = 'database-backup'`,
  );
  const measured = new Map<string, StorageMeasurement>(
    workspaceIds.map((id) => [id, { rowsBytes: 0, filesBytes: 0, unreadableDirectories: [], measuredAt: now }]),
  );
  for (const row of rows) measured.get(row.id)!.rowsBytes = Number(row.bytes);
  const seen = new Set<string>();
  for (const source of sources) {
    const entry = measured.get(source.workspace_id);
    if (!entry) continue;
    const files = await dumpFiles(source.directory, dumpNamePattern(source.job_name));
    if (!files) {
      if (!entry.unreadableDirectories.includes(source.directory)) entry.unreadableDirectories.push(source.directory);
      continue;
    }
    for (const file of files) {
      // Services of several environments share their name, hence their dumps: count each file once.
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      entry.filesBytes += file.size;
    }
  }
  return measured;
}

/** The dumps in a folder that match a job's name pattern, with their sizes; undefined when unreadable. */
async function dumpFiles(directory: string, pattern: RegExp): Promise<Array<{ path: string; size: number }> | undefined> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => pattern.test(name));
  } catch (error) {
    // No dump was written there yet: nothing stored.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return undefined;
  }
  const files = await Promise.all(
    names.map(async (name) => {
      const file = path.join(directory, name);
      try {
        return { path: file, size: (await stat(file)).size };
      } catch {
        // Rotated away between the listing and the stat.
        return undefined;
      }
    }),
  );
  return files.filter((file) => file !== undefined);
}

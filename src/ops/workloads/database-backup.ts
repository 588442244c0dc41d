import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseGrantError, grantedDatabaseUrl } from '../../bindings/databases.ts';
import { baseEnvironment, runProcess } from './process.ts';
import { WorkloadError, type WorkloadRunner } from './types.ts';

/** The job's name as it appears in a file name: no path separators or other characters a shell would trip on. */
function fileSafe(jobName: string): string {
  return jobName.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * cutover-orders-backup-20260102T030000Z-1a2b3c4d.dump (the job that made it, time, then the run): never clashes
 * between runs, and the pattern tells one job's dumps from another's (services often share one backup folder) and
 * from anything else in the folder. The time right after the name keeps `orders` apart from `orders-backup`.
 */
export function dumpFileName(jobName: string, at: Date, runId: string): string {
  return `cutover-${fileSafe(jobName)}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${runId.slice(0, 8)}.dump`;
}

/** Matches the dumps `dumpFileName` gives this job, and no one else's. */
export function dumpNamePattern(jobName: string): RegExp {
  const name = fileSafe(jobName).replace(/\./g, '\\.');
  return new RegExp(`^cutover-${name}-\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.dump$`);
}

/**
 * Built in: pg_dump (custom format) of a database connection the run's binding grants into a folder on the
 * worker, then deletes all but the newest `keep` dumps of the same job (other jobs' dumps in the folder are left
 * alone). The dump is written under a temporary name and renamed
 * when complete, so a failed dump never replaces a good one.
 */
export function databaseBackupRunner(deps: { platformDatabaseUrl?: string; env?: NodeJS.ProcessEnv; now?: () => Date }): WorkloadRunner<'database-backup'> {
  return {
    type: 'database-backup',
    async run(workload, context) {
      if (!context.binding) throw new WorkloadError('a database backup runs only under a binding that grants its database');
      let databaseUrl: string;
      try {
        databaseUrl = grantedDatabaseUrl(context.binding, workload.database, { platformDatabaseUrl: deps.platformDatabaseUrl, env: deps.env ?? process.env });
      } catch (error) {
        if (error instanceof DatabaseGrantError) throw new WorkloadError(error.message);
        throw error;
      }
      const url = new URL(databaseUrl);
      // The password goes through the environment, not the command line that `ps` shows.
      const password = decodeURIComponent(url.password);
      url.password = '';
      await mkdir(workload.directory, { recursive: true });
      const file = path.join(workload.directory, dumpFileName(context.jobName, deps.now?.() ?? new Date(), context.runId));
      const partial = `${file}.partial`;
      context.onLine('stdout', `dumping the database to ${file}`);
      const result = await runProcess(
        {
          command: ['pg_dump', '--format=custom', `--file=${partial}`, `--dbname=${url.toString()}`],
          env: { ...baseEnvironment(), ...(password ? { PGPASSWORD: password } : {}) },
        },
        context,
      );
      if (result.exitCode !== 0) {
        await rm(partial, { force: true });
        return result;
      }
      await rename(partial, file);
      const dumps = await newestFirst(workload.directory, dumpNamePattern(context.jobName));
      for (const old of dumps.slice(workload.keep)) {
        await rm(path.join(workload.directory, old), { force: true });
        context.onLine('stdout', `deleted old dump ${old}`);
      }
      context.onLine('stdout', `kept ${Math.min(dumps.length, workload.keep)} dump(s)`);
      return { exitCode: 0 };
    },
  };
}

/** The job's dumps in the folder, newest first (by modification time, then name). */
async function newestFirst(directory: string, pattern: RegExp): Promise<string[]> {
  const names = (await readdir(directory)).filter((name) => pattern.test(name));
  const dumps = await Promise.all(names.map(async (name) => ({ name, at: (await stat(path.join(directory, name))).mtimeMs })));
  return dumps.sort((a, b) => b.at - a.at || b.name.localeCompare(a.name)).map((dump) => dump.name);
}

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Scope } from '../bindings/scope.ts';
import { databaseBackupRunner } from '../ops/workloads/database-backup.ts';
import { kubernetesRunner } from '../ops/workloads/kubernetes.ts';
import { localRunner } from '../ops/workloads/local.ts';
import { WorkloadError, type WorkloadContext } from '../ops/workloads/index.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { KubeClients } from '../targets/kubernetes/client.ts';
import { fillCommand } from '../targets/local/command.ts';

export interface HookInput extends Scope {
  hook: 'backup' | 'migration';
  deploymentId: string;
  service: string;
  definition: ServiceDefinition;
  /** The release's image (the migration runs with it). */
  image: string;
}

/** How a hook ended, with its last output lines for the deployment's record. */
export interface HookResult {
  exitCode: number;
  lines: string[];
}

const keptLines = 50;

/** Pre-switch hooks, run by the same workload runners as operations jobs. */
export function createHookActivities(deps: { kube: () => KubeClients; env?: NodeJS.ProcessEnv }) {
  const env = deps.env ?? process.env;
  return {
    async runPreSwitchHook(input: HookInput): Promise<HookResult> {
      const activity = Context.current();
      const lines: string[] = [];
      const context: WorkloadContext = {
        workspaceId: '',
        runId: input.deploymentId.slice(0, 8),
        jobName: `${input.service}-${input.hook}`,
        attempt: activity.info.attempt,
        onLine: (stream, line) => lines.push(stream === 'stderr' ? `[stderr] ${line}` : line),
        signal: activity.cancellationSignal,
        heartbeat: () => activity.heartbeat(),
      };
      try {
        return { exitCode: await runHook(input, context, env, deps.kube), lines: lines.slice(-keptLines) };
      } catch (error) {
        if (error instanceof WorkloadError && !error.retryable) throw ApplicationFailure.nonRetryable(error.message, 'HookFailed');
        throw error;
      }
    },
  };
}

/** Runs one hook to its end; returns its exit code. */
async function runHook(input: HookInput, context: WorkloadContext, env: NodeJS.ProcessEnv, kube: () => KubeClients): Promise<number> {
  const hooks = input.definition.hooks;
  if (input.hook === 'backup') {
    const backup = hooks?.backup;
    if (!backup) throw ApplicationFailure.nonRetryable('the service has no backup hook', 'InvalidDefinition');
    const databaseUrl = env[backup.databaseUrlEnv];
    if (!databaseUrl) throw ApplicationFailure.nonRetryable(`the worker has no ${backup.databaseUrlEnv} to back up`, 'InvalidDefinition');
    const result = await databaseBackupRunner({ databaseUrl }).run(
      { type: 'database-backup', directory: backup.directory, keep: backup.keep },
      context,
    );
    return result.exitCode;
  }
  const migration = hooks?.migration;
  if (!migration) throw ApplicationFailure.nonRetryable('the service has no migration hook', 'InvalidDefinition');
  const definition = input.definition;
  const result =
    definition.target === 'local'
      ? // On this machine the migration is a process of the release's artifact, like the colours themselves.
        await localRunner({ enabled: true }).run(
          { type: 'local', command: fillCommand(migration.command, { image: input.image }), env: { ...definition.env, ...migration.env }, cwd: definition.local.cwd },
          context,
        )
      : await kubernetesRunner({ clients: kube, pollMs: 500 }).run(
          { type: 'kubernetes', namespace: definition.namespace, image: input.image, command: migration.command, env: migration.env },
          context,
        );
  return result.exitCode;
}

import { ApplicationFailure, Context } from '@temporalio/activity';
import { checkDefinition, imageAllowed } from '../bindings/check.ts';
import { boundaryFailure, enforce, requireBinding, urlsCheckedWhereFetched } from '../bindings/enforce.ts';
import type { BindingLookup, ResolvedBinding } from '../bindings/policy.ts';
import type { Scope } from '../bindings/scope.ts';
import { databaseBackupRunner } from '../ops/workloads/database-backup.ts';
import { kubernetesRunner } from '../ops/workloads/kubernetes.ts';
import { localRunner } from '../ops/workloads/local.ts';
import { WorkloadError, type OpsWorkerOptions, type WorkloadContext } from '../ops/workloads/index.ts';
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

/** Pre-switch hooks, run by the same workload runners as operations jobs, under the environment's binding. */
export function createHookActivities(deps: { kube: () => KubeClients; bindings: BindingLookup; ops?: OpsWorkerOptions }) {
  return {
    async runPreSwitchHook(input: HookInput): Promise<HookResult> {
      const binding = await requireBinding(deps.bindings, input, input.definition.target);
      // The definition travelled in the workflow's input, and the binding may have narrowed since it started.
      enforce(checkDefinition(input.definition, binding, { urlCheck: urlsCheckedWhereFetched, analyses: false }));
      const activity = Context.current();
      const lines: string[] = [];
      const context: WorkloadContext = {
        workspaceId: input.workspaceId,
        environment: input.environment,
        runId: input.deploymentId.slice(0, 8),
        jobName: `${input.service}-${input.hook}`,
        attempt: activity.info.attempt,
        onLine: (stream, line) => lines.push(stream === 'stderr' ? `[stderr] ${line}` : line),
        signal: activity.cancellationSignal,
        heartbeat: () => activity.heartbeat(),
        binding,
      };
      try {
        return { exitCode: await runHook(input, binding, context, deps), lines: lines.slice(-keptLines) };
      } catch (error) {
        if (error instanceof WorkloadError && !error.retryable) throw ApplicationFailure.nonRetryable(error.message, 'HookFailed');
        throw error;
      }
    },
  };
}

/** Runs one hook to its end; returns its exit code. */
async function runHook(
  input: HookInput,
  binding: ResolvedBinding,
  context: WorkloadContext,
  deps: { kube: () => KubeClients; ops?: OpsWorkerOptions },
): Promise<number> {
  const hooks = input.definition.hooks;
  if (input.hook === 'backup') {
    const backup = hooks?.backup;
    if (!backup) throw ApplicationFailure.nonRetryable('the service has no backup hook', 'InvalidDefinition');
    const runner = databaseBackupRunner({ platformDatabaseUrl: deps.ops?.databaseUrl, env: deps.ops?.env });
    const result = await runner.run({ type: 'database-backup', database: backup.database, directory: backup.directory, keep: backup.keep }, context);
    return result.exitCode;
  }
  const migration = hooks?.migration;
  if (!migration) throw ApplicationFailure.nonRetryable('the service has no migration hook', 'InvalidDefinition');
  const definition = input.definition;
  // The release's image may differ from the definition's: it runs as the migration Job, so it is checked too.
  if (definition.target === 'kubernetes' && !imageAllowed(input.image, binding.policy.imagePrefixes)) {
    throw boundaryFailure([{ path: 'image', rule: 'image-not-allowed', message: `image ${input.image} does not start with an image prefix the binding allows` }]);
  }
  const result =
    definition.target === 'local'
      ? // On this machine the migration is a process of the release's artifact, like the colours themselves; the
        // worker's switch (CUTOVER_LOCAL_COMMANDS) and the binding must both allow local commands.
        await localRunner({ enabled: deps.ops?.localCommands ?? true }).run(
          { type: 'local', command: fillCommand(migration.command, { image: input.image }), env: { ...definition.env, ...migration.env }, cwd: definition.local.cwd },
          context,
        )
      : await kubernetesRunner({ clients: deps.kube, pollMs: 500 }).run(
          { type: 'kubernetes', namespace: definition.namespace, image: input.image, command: migration.command, env: migration.env },
          context,
        );
  return result.exitCode;
}

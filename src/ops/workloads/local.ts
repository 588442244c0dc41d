import { baseEnvironment, runProcess } from './process.ts';
import { WorkloadError, type WorkloadRunner } from './types.ts';

/**
 * A command on the worker's machine (single-machine setups). It runs with the worker's rights, with only
 * PATH, HOME, locale and TZ from the worker's environment plus the job's own variables.
 */
export function localRunner(options: { enabled: boolean }): WorkloadRunner<'local'> {
  return {
    type: 'local',
    async run(workload, context) {
      if (!options.enabled) {
        throw new WorkloadError('this worker does not run local commands (use a Kubernetes Job workload)');
      }
      return runProcess(
        { command: workload.command, env: { ...baseEnvironment(), ...workload.env }, cwd: workload.cwd },
        context,
      );
    },
  };
}

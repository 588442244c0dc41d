import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.ts';
import type { SupervisorControl } from './blue-green.ts';
import { supervisorControl } from './connect.ts';
import { connectSupervisor, ensureSupervisor, type SupervisorAddress } from './supervisor-client.ts';

/** How a worker reaches the local supervisor and keeps it up. */
export interface WorkerSupervisor {
  /** The activities' control of the supervisor (WorkerDeps.local). */
  local: () => Promise<SupervisorControl>;
  /** Starts the watchdog, or nothing when the worker may not start a supervisor; returns what stops it. */
  watch(logger: Logger, intervalMs?: number): () => void;
}

/**
 * A worker with local commands on starts the supervisor when an activity needs it and none runs, and watches it.
 * With them off (CUTOVER_LOCAL_COMMANDS=false) it does neither: a supervisor that starts restores state.json and
 * runs every saved colour's command again, which is running local commands. It still connects to one that runs,
 * so a release can switch or scale down what that one already serves.
 */
export function workerSupervisor(address: SupervisorAddress, options: { localCommands: boolean }): WorkerSupervisor {
  const start = options.localCommands;
  return {
    local: supervisorControl(address, { start }),
    watch: (logger, intervalMs) => {
      if (start) return watchSupervisor(address, logger, intervalMs);
      logger.info({ dataDir: address.dataDir }, 'local commands are off: this worker neither starts nor watches the local supervisor');
      return () => undefined;
    },
  };
}

/**
 * Keeps the local supervisor running while a worker runs: checked every `intervalMs`, and started again (it
 * then restores its services) when it has services to serve and does not answer. Without it a supervisor that
 * died would wait for the next release to bring it back. Returns a function that stops the watch.
 */
export function watchSupervisor(address: SupervisorAddress, logger: Logger, intervalMs = 5_000): () => void {
  const stateFile = path.join(address.dataDir, 'state.json');
  let checking = false;
  const check = async () => {
    if (checking || !existsSync(stateFile)) return;
    checking = true;
    try {
      if (!(await connectSupervisor(address))) {
        logger.warn({ dataDir: address.dataDir }, 'the local supervisor is down; starting it again');
        await ensureSupervisor(address);
      }
    } catch (error) {
      logger.error({ err: error }, 'could not start the local supervisor');
    } finally {
      checking = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

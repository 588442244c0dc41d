import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.ts';
import { connectSupervisor, ensureSupervisor, type SupervisorAddress } from './supervisor-client.ts';

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

import type { SupervisorControl } from './blue-green.ts';
import { connectSupervisor, ensureSupervisor, type SupervisorAddress } from './supervisor-client.ts';

/**
 * The supervisor's control, looked up on every use (one local request), so a supervisor restarted meanwhile
 * is found again. With `start` (a worker) one is started when none runs; without (the API) that is an error.
 */
export function supervisorControl(address: SupervisorAddress, options: { start: boolean }): () => Promise<SupervisorControl> {
  return async () => {
    if (options.start) return ensureSupervisor(address);
    const client = await connectSupervisor(address);
    if (!client) throw new Error(`no local supervisor answers on port ${address.port} (a worker starts it on its first local release)`);
    return client;
  };
}

import type { SupervisorControl } from './blue-green.ts';

/** The supervisor's control, connected on first use (and started, when `start`). */
export function supervisorControl(where: { dataDir: string; port: number }, options: { start: boolean }): () => Promise<SupervisorControl> {
  return () => Promise.reject(new Error(`the local target's supervisor (${where.dataDir}, port ${where.port}, start ${options.start}) is not available yet`));
}

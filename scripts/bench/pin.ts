import { execFileSync } from 'node:child_process';

/**
 * Pins a process (all its threads, and the processes it starts from now on) to one CPU with taskset, so a
 * bench's server and its load generator do not share a core on this 2-core machine; false when taskset is
 * missing or refused (the bench then says it ran unpinned).
 */
export function pinToCpu(cpu: number, pid: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

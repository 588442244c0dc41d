import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/**
 * A release worker in a process of its own on `taskQueue` (so a test can SIGKILL it mid-release), with this
 * run's Temporal server, database and workflow bundle; `env` says which targets it reaches.
 */
export async function spawnWorker(taskQueue: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: {
      ...process.env,
      TEST_DATABASE: inject('databaseUrl'),
      TEST_TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEST_TASK_QUEUE: taskQueue,
      TEST_BUNDLE: inject('workflowBundlePath'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('worker running') && resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
  return child;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { cutoverSearchAttributes } from '../../src/temporal/search-attributes.ts';

export interface DevServerOptions {
  /** Path to the `temporal` binary. */
  binary: string;
  port: number;
  uiPort: number;
  /** SQLite file that keeps runs across restarts; undefined for in-memory. */
  dbFile?: string;
  /** No Web UI (tests). */
  headless?: boolean;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`): Cutover's API, …/api/v1/codec. */
  codecEndpoint?: string;
  namespace?: string;
  /** How long to wait for the frontend to answer. */
  startTimeoutMs?: number;
  /** Where the server's own log lines go; default: dropped. */
  onLog?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with Cutover's search attributes and waits until it answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-format', 'json', '--log-level', 'warn'];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.codecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.codecEndpoint);
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const key of cutoverSearchAttributes) args.push('--search-attribute', `${key.name}=Keyword`);

  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((line) => options.onLog?.(line));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  // Never leave a server behind when this process ends without stopping it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`Temporal dev server ${exited} before it answered (is port ${options.port} taken?)`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        // The namespace is registered just after the frontend answers.
        await connection.workflowService.describeNamespace({ namespace: options.namespace ?? 'default' });
      } finally {
        await connection.close();
      }
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(killTimer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

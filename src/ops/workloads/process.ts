import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { constants } from 'node:os';
import type { WorkloadContext, WorkloadResult } from './types.ts';
import { WorkloadError } from './types.ts';

/** Longer lines are cut, so one runaway line cannot fill the database. */
export const maxLineLength = 16_384;
/** Time between SIGTERM and SIGKILL when a run is stopped. */
const killGraceMs = 5_000;
/**
 * Time between heartbeats while a process runs: well under any heartbeat timeout a caller would set (Temporal's
 * SDK throttles what it sends to the server, so beating often costs nothing).
 */
export const processHeartbeatMs = 1_000;

export interface ProcessSpec {
  command: string[];
  env: Record<string, string>;
  cwd?: string;
}

/**
 * Runs a process in its own process group, hands each stdout/stderr line to the context as it comes and
 * resolves with its exit code (128 + signal number when a signal ended it). While it runs the context gets a
 * heartbeat every `heartbeatMs`, so a dump or migration longer than the activity's heartbeat timeout is not
 * taken for a dead worker (and retried beside itself). On abort the whole group gets SIGTERM, then SIGKILL
 * after a grace period.
 */
export function runProcess(
  spec: ProcessSpec,
  context: Pick<WorkloadContext, 'onLine' | 'signal' | 'heartbeat'>,
  options: { heartbeatMs?: number } = {},
): Promise<WorkloadResult> {
  const [file, ...args] = spec.command;
  if (!file) return Promise.reject(new WorkloadError('the command is empty'));
  return new Promise<WorkloadResult>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    context.heartbeat();
    const beat = setInterval(() => context.heartbeat(), options.heartbeatMs ?? processHeartbeatMs);
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), killGraceMs);
      killTimer.unref();
    };
    if (context.signal.aborted) stop();
    else context.signal.addEventListener('abort', stop, { once: true });

    const streamsClosed = Promise.all([
      forwardLines(child.stdout, (line) => context.onLine('stdout', line)),
      forwardLines(child.stderr, (line) => context.onLine('stderr', line)),
    ]);
    child.once('error', (error) => {
      clearInterval(beat);
      context.signal.removeEventListener('abort', stop);
      reject(new WorkloadError(`could not start ${file}: ${error.message}`, false, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      clearInterval(beat);
      context.signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      // Kill what the command left behind in its group (background children holding the pipes open).
      signalGroup(child.pid, 'SIGKILL');
      const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      void streamsClosed.then(() => resolve({ exitCode }));
    });
  });
}

function forwardLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => onLine(line.length > maxLineLength ? `${line.slice(0, maxLineLength)}…` : line));
  return new Promise((resolve) => lines.once('close', resolve));
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The few variables a command needs from the worker; the worker's own secrets are not passed on. */
export function baseEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];
  return Object.fromEntries(keep.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])));
}

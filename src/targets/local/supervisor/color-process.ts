import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { request } from 'node:http';
import type { Color } from '../../../workflows/lib/colors.ts';

/** What a colour runs; the supervisor adds PORT, CUTOVER_COLOR and CUTOVER_VERSION to its environment. */
export interface ColorSpec {
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  port: number;
  version: string;
  readiness: { path: string; intervalMs: number; timeoutMs: number; failureThreshold?: number };
}

export type ColorState = 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'stopped';

/** A colour's process as the control API reports it. */
export interface ColorStatus {
  version: string;
  state: ColorState;
  /** Answering its readiness check: the proxy may send it traffic. */
  ready: boolean;
  pid: number | null;
  port: number;
  /** Times it was started again after it died. */
  restarts: number;
  startedAt: string | null;
  /** How it last ended; `error` when it could not be started at all. */
  lastExit: { code: number | null; signal: string | null; at: string; error?: string } | null;
}

/** From the worker's environment, only what a program needs to run; the rest is the service's own. */
const inheritedEnv = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'NODE_OPTIONS'];
const firstBackoffMs = 1_000;
const maxBackoffMs = 30_000;
const killGraceMs = 5_000;

function probe(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * One colour's process, kept alive like a pod: started in its own process group with its output appended to a
 * log file, checked for readiness over HTTP, started again with growing pauses (1 s doubling to 30 s) when it
 * dies, and stopped with SIGTERM, then SIGKILL after a grace period.
 */
export class ColorProcess {
  private child: ChildProcess | undefined;
  /** Stopped until started: a colour restored as stopped stays so. */
  private state: ColorState = 'stopped';
  private restarts = 0;
  private startedAt: Date | null = null;
  private lastExit: ColorStatus['lastExit'] = null;
  private failures = 0;
  private stopping = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly exitSeen = new WeakSet<ChildProcess>();
  /** Steps of the restart back-off; back to the first once the process has been ready. */
  private backoffStep = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly color: Color,
    readonly spec: ColorSpec,
    private readonly logFile: string,
    /** Told whenever the process (its pid) changes, so the supervisor can record it. */
    private readonly onChange: () => void,
  ) {}

  /** The pid of the process while it runs. */
  get pid(): number | undefined {
    const child = this.child;
    return child && !this.exitSeen.has(child) ? child.pid : undefined;
  }

  status(): ColorStatus {
    return {
      version: this.spec.version,
      state: this.state,
      ready: this.state === 'ready',
      pid: this.pid ?? null,
      port: this.spec.port,
      restarts: this.restarts,
      startedAt: this.startedAt?.toISOString() ?? null,
      lastExit: this.lastExit,
    };
  }

  start(): void {
    this.stopping = false;
    const env: Record<string, string> = {};
    for (const name of inheritedEnv) if (process.env[name] !== undefined) env[name] = process.env[name];
    Object.assign(env, this.spec.env, { PORT: String(this.spec.port), CUTOVER_COLOR: this.color, CUTOVER_VERSION: this.spec.version });
    const log = openSync(this.logFile, 'a');
    try {
      this.child = spawn(this.spec.command, this.spec.args, { cwd: this.spec.cwd, env, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    this.state = 'starting';
    this.failures = 0;
    this.startedAt = new Date();
    const child = this.child;
    // A command that cannot be started (not found, not executable) emits 'error' and never 'exit'.
    child.once('error', (error: NodeJS.ErrnoException) => this.exited(child, null, null, error.code ?? error.message));
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.scheduleProbe(0);
    this.onChange();
  }

  /** Stops it for good: SIGTERM to its group, SIGKILL after the grace period. Resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.probeTimer);
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || this.pid === undefined) {
      this.state = 'stopped';
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child.pid, 'SIGTERM');
    const kill = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), killGraceMs);
    await exited;
    clearTimeout(kill);
    this.state = 'stopped';
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    if (child !== this.child || this.exitSeen.has(child)) return;
    this.exitSeen.add(child);
    clearTimeout(this.probeTimer);
    this.lastExit = { code, signal, at: new Date().toISOString(), ...(spawnError ? { error: spawnError } : {}) };
    // Whatever it left behind in its group goes with it.
    signalGroup(child.pid, 'SIGKILL');
    if (this.stopping) {
      this.state = 'stopped';
      this.onChange();
      return;
    }
    this.state = 'crashed';
    const backoff = Math.min(maxBackoffMs, firstBackoffMs * 2 ** this.backoffStep);
    this.backoffStep += 1;
    this.restartTimer = setTimeout(() => {
      this.restarts += 1;
      this.start();
    }, backoff);
    this.onChange();
  }

  private scheduleProbe(delayMs: number): void {
    this.probeTimer = setTimeout(() => void this.runProbe(), delayMs);
  }

  private async runProbe(): Promise<void> {
    const { readiness, port } = this.spec;
    const ok = await probe(port, readiness.path, readiness.timeoutMs);
    if (this.stopping || this.state === 'crashed' || this.state === 'stopped') return;
    if (ok) {
      this.failures = 0;
      this.state = 'ready';
      this.backoffStep = 0;
    } else {
      this.failures += 1;
      if (this.state === 'ready' && this.failures >= (readiness.failureThreshold ?? 3)) this.state = 'unhealthy';
    }
    // Until it is first ready it is checked often, so a release does not wait a whole interval for it.
    this.scheduleProbe(this.state === 'starting' ? Math.min(100, readiness.intervalMs) : readiness.intervalMs);
  }
}

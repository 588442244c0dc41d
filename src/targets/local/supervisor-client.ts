import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Color } from '../../workflows/lib/colors.ts';
import type { LocalColorSpec, LocalServiceStatus, SupervisorControl } from './blue-green.ts';
import type { ServiceStatus } from './supervisor/supervisor.ts';

/** Where a supervisor keeps its state (and token) and where it listens. */
export interface SupervisorAddress {
  dataDir: string;
  port: number;
}

const mainPath = fileURLToPath(new URL('./supervisor/main.ts', import.meta.url));
/** The project root, where `--import tsx` resolves. */
const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));
const startTimeoutMs = 15_000;

/** An answer of the control API other than success. */
export class SupervisorRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A service's route on the control API; keys are URL-safe already (service-key.ts), encoded all the same. */
const servicePath = (key: string) => `/services/${encodeURIComponent(key)}`;

/** The control API over HTTP on 127.0.0.1. */
export class SupervisorClient implements SupervisorControl {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json()) as T & { error?: { code: string; message: string; details?: unknown } };
    if (!response.ok) {
      const error = payload.error;
      throw new SupervisorRequestError(response.status, error?.code ?? 'unknown', `supervisor: ${method} ${route}: ${error?.message ?? response.status}`, error?.details);
    }
    return payload;
  }

  async putService(key: string, spec: { port: number; previewPort: number; host: string }): Promise<void> {
    await this.call('PUT', servicePath(key), spec);
  }

  /** Everything the supervisor reports (pids, exits, in-flight requests), not only what a release needs. */
  async getService(key: string): Promise<ServiceStatus | undefined> {
    try {
      return await this.call<ServiceStatus>('GET', servicePath(key));
    } catch (error) {
      if (error instanceof SupervisorRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  async putColor(key: string, color: Color, spec: LocalColorSpec): Promise<void> {
    await this.call('PUT', `${servicePath(key)}/colors/${color}`, spec);
  }

  async stopColor(key: string, color: Color, drainTimeoutMs: number): Promise<void> {
    await this.call('DELETE', `${servicePath(key)}/colors/${color}?drainTimeoutMs=${drainTimeoutMs}`);
  }

  async setRoutes(key: string, routes: { weights?: Record<Color, number>; preview?: Color | null }): Promise<LocalServiceStatus['routes']> {
    return this.call('PUT', `${servicePath(key)}/routes`, routes);
  }

  async deleteService(key: string, drainTimeoutMs = 30_000): Promise<void> {
    await this.call('DELETE', `${servicePath(key)}?drainTimeoutMs=${drainTimeoutMs}`);
  }
}

async function healthy(address: SupervisorAddress): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${address.port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { dataDir?: string };
    if (body.dataDir !== path.resolve(address.dataDir)) {
      throw new Error(`port ${address.port} has the supervisor of ${body.dataDir}, not of ${path.resolve(address.dataDir)}`);
    }
    return response.ok;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('port ')) throw error;
    return false;
  }
}

function clientFor(address: SupervisorAddress): SupervisorClient {
  const token = readFileSync(path.join(address.dataDir, 'token'), 'utf8').trim();
  return new SupervisorClient(`http://127.0.0.1:${address.port}`, token);
}

/** The running supervisor; undefined when none answers. */
export async function connectSupervisor(address: SupervisorAddress): Promise<SupervisorClient | undefined> {
  return (await healthy(address)) ? clientFor(address) : undefined;
}

/**
 * The running supervisor, or a new one: spawned detached (its own session, output to supervisor.log) so it
 * outlives the worker that started it. Two callers racing end with one: the second cannot bind and exits.
 */
export async function ensureSupervisor(address: SupervisorAddress): Promise<SupervisorClient> {
  if (await healthy(address)) return clientFor(address);
  mkdirSync(address.dataDir, { recursive: true });
  const log = openSync(path.join(address.dataDir, 'supervisor.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
    cwd: projectRoot,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, CUTOVER_SUPERVISOR_DIR: path.resolve(address.dataDir), CUTOVER_SUPERVISOR_PORT: String(address.port) },
  });
  child.unref();
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if ((await healthy(address)) && existsSync(path.join(address.dataDir, 'token'))) return clientFor(address);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the local supervisor did not start within ${startTimeoutMs} ms (see ${path.join(address.dataDir, 'supervisor.log')})`);
}

/** Stops the supervisor of a data dir and everything it runs; resolves when it has exited. */
export async function stopSupervisor(address: SupervisorAddress, timeoutMs = 60_000): Promise<void> {
  const pidFile = path.join(address.dataDir, 'supervisor.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the local supervisor (pid ${pid}) did not stop within ${timeoutMs} ms`);
}

import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../../logger.ts';
import { colors, type Color } from '../../../workflows/lib/colors.ts';
import { legacyServiceKey } from '../service-key.ts';
import { ColorProcess, type ColorSpec, type ColorStatus } from './color-process.ts';
import { ServiceProxy, type Routes } from './proxy.ts';
import { killLeftover, loadState, saveState, type SavedService } from './state.ts';
import { noTraffic, weightsProblem } from './weights.ts';

/** Where a service's proxy listens. */
export interface ServiceSpec {
  port: number;
  previewPort: number;
  host: string;
}

/** A service as the control API reports it. */
export interface ServiceStatus extends ServiceSpec {
  key: string;
  routes: Routes;
  colors: Partial<Record<Color, ColorStatus & { inFlight: number }>>;
}

/** A request the supervisor refuses: the control API answers with `status` and `code`. */
export class SupervisorError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface ServiceEntry {
  spec: ServiceSpec;
  proxy: ServiceProxy;
  colors: Partial<Record<Color, ColorProcess>>;
  /** Colours scaled to zero on purpose: restored as stopped. A shutdown stops the others without this mark. */
  stopped: Set<Color>;
  /** Changes to one service run one at a time (a retried call may arrive while the first still drains). */
  queue: Promise<unknown>;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The local target's state: per service, a proxy and up to two colour processes. Every change is written to
 * `state.json`, and `restore` brings it all back after the supervisor itself was restarted.
 */
export class Supervisor {
  private readonly services = new Map<string, ServiceEntry>();
  /** Saved services that could not be restored (a port taken): kept in the state file, not forgotten. */
  private readonly unrestored: Record<string, SavedService> = {};
  private shuttingDown = false;
  private readonly stateFile: string;
  private readonly logDir: string;

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
  ) {
    this.stateFile = path.join(dataDir, 'state.json');
    this.logDir = path.join(dataDir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
  }

  /**
   * Reopens the proxies and restarts the colours of the last saved state (leftover processes are killed first).
   * A state file of an older Cutover (services keyed `<name>-<port>`) restores as it is; each such service is
   * taken over by the first owner's key that declares it (see applyService). An unreadable file is set aside.
   */
  async restore(): Promise<void> {
    let state: Record<string, SavedService>;
    try {
      state = loadState(this.stateFile);
    } catch (error) {
      const aside = `${this.stateFile}.unreadable-${Date.now()}`;
      renameSync(this.stateFile, aside);
      this.logger.error({ err: error, aside }, 'the state file could not be read; it was set aside and nothing was restored');
      state = {};
    }
    for (const [key, saved] of Object.entries(state)) {
      try {
        for (const color of colors) {
          const colorState = saved.colors[color];
          if (colorState) await killLeftover(colorState.pid, colorState.spec.command, colorState.spec.args);
        }
        const entry = await this.open(key, saved);
        entry.proxy.route(saved.routes);
        for (const color of colors) {
          const colorState = saved.colors[color];
          if (!colorState) continue;
          if (colorState.stopped) entry.stopped.add(color);
          this.startColor(key, entry, color, colorState.spec, { stopped: colorState.stopped });
        }
      } catch (error) {
        this.unrestored[key] = saved;
        this.logger.error({ err: error, key }, 'could not restore a service; it stays in the state file');
      }
    }
    this.save();
  }

  /** Runs changes to one service one after another. */
  private serialized<T>(key: string, change: () => Promise<T>): Promise<T> {
    const entry = this.services.get(key);
    if (!entry) return change();
    const next = entry.queue.then(change, change);
    entry.queue = next.catch(() => undefined);
    return next;
  }

  putService(key: string, spec: ServiceSpec): Promise<ServiceStatus> {
    return this.serialized(key, () => this.applyService(key, spec));
  }

  private async applyService(key: string, spec: ServiceSpec): Promise<ServiceStatus> {
    if (!this.services.has(key)) this.adoptLegacy(key, spec);
    const existing = this.services.get(key);
    this.refuseOthersPorts(key, [spec.port, spec.previewPort]);
    if (existing && sameJson(existing.spec, spec)) return this.status(key);
    const routes = existing?.proxy.routes ?? { weights: noTraffic, preview: null };
    if (existing) await existing.proxy.close();
    const entry = await this.open(key, { ...spec, routes, colors: {} }, existing?.colors, existing?.stopped);
    entry.proxy.route(routes);
    delete this.unrestored[key];
    const legacy = legacyServiceKey(key, spec.port);
    if (legacy) delete this.unrestored[legacy];
    this.save();
    return this.status(key);
  }

  /**
   * An owner's key takes over the service an older Cutover keyed by name and public port (`<name>-<port>`), with
   * its proxy and processes, so an upgrade moves no traffic. Ports are bound to one workspace environment, so
   * only that environment's service of that name declares it.
   */
  private adoptLegacy(key: string, spec: ServiceSpec): void {
    const legacy = legacyServiceKey(key, spec.port);
    const entry = legacy === undefined ? undefined : this.services.get(legacy);
    if (!legacy || !entry || entry.spec.port !== spec.port) return;
    this.services.delete(legacy);
    this.services.set(key, entry);
    this.logger.info({ key, legacy }, 'took over a service an older Cutover declared');
    this.save();
  }

  /** Ports another service holds (its proxy's, its colours') are refused, whoever asks: they are not this key's. */
  private refuseOthersPorts(key: string, ports: number[]): void {
    for (const [other, entry] of this.services) {
      if (other === key) continue;
      const held = new Set([entry.spec.port, entry.spec.previewPort, ...Object.values(entry.colors).map((process) => process.spec.port)]);
      const taken = ports.find((port) => held.has(port));
      // Which service holds it is not told: it may be another workspace's.
      if (taken !== undefined) throw new SupervisorError(409, 'port_in_use', `port ${taken} belongs to another service`, { port: taken, heldBy: 'service' });
    }
  }

  async deleteService(key: string, drainTimeoutMs: number): Promise<void> {
    const entry = this.entry(key);
    this.services.delete(key);
    await entry.proxy.close(drainTimeoutMs);
    await Promise.all(Object.values(entry.colors).map((process) => process.stop()));
    this.save();
  }

  /** Starts a colour, or replaces it when its spec changed; a no-op while it runs the same spec. */
  putColor(key: string, color: Color, spec: ColorSpec): Promise<ServiceStatus> {
    this.entry(key);
    return this.serialized(key, () => this.applyColor(key, color, spec));
  }

  private async applyColor(key: string, color: Color, spec: ColorSpec): Promise<ServiceStatus> {
    const entry = this.entry(key);
    this.refuseOthersPorts(key, [spec.port]);
    const current = entry.colors[color];
    if (current && sameJson(current.spec, spec) && current.status().state !== 'stopped') return this.status(key);
    if (current) {
      if (entry.proxy.routes.weights[color] > 0) {
        throw new SupervisorError(409, 'serving', `${key}-${color} serves traffic: move traffic away before replacing it`);
      }
      await current.stop();
    }
    const other = entry.colors[color === 'blue' ? 'green' : 'blue'];
    if (other && other.spec.port === spec.port && other.status().state !== 'stopped') {
      throw new SupervisorError(409, 'port_in_use', `port ${spec.port} is the other colour's`);
    }
    entry.stopped.delete(color);
    this.startColor(key, entry, color, spec);
    this.save();
    return this.status(key);
  }

  /** Takes a colour out of the preview, waits for its requests to finish, then stops it. */
  stopColor(key: string, color: Color, drainTimeoutMs: number): Promise<ServiceStatus> {
    this.entry(key);
    return this.serialized(key, () => this.applyStop(key, color, drainTimeoutMs));
  }

  private async applyStop(key: string, color: Color, drainTimeoutMs: number): Promise<ServiceStatus> {
    const entry = this.entry(key);
    const process = entry.colors[color];
    if (!process) return this.status(key);
    if (entry.proxy.routes.weights[color] > 0) {
      throw new SupervisorError(409, 'serving', `${key}-${color} serves traffic: move traffic away before stopping it`);
    }
    if (entry.proxy.routes.preview === color) entry.proxy.route({ ...entry.proxy.routes, preview: null });
    entry.stopped.add(color);
    await entry.proxy.drained(color, drainTimeoutMs);
    await process.stop();
    this.save();
    return this.status(key);
  }

  /** Applies new routes at once; returns the routes in force. */
  setRoutes(key: string, change: Partial<Routes>): Routes {
    const entry = this.entry(key);
    const routes = { ...entry.proxy.routes, ...change };
    const problem = weightsProblem(routes.weights);
    if (problem) throw new SupervisorError(422, 'validation_failed', problem);
    // Traffic only to a colour that runs: sending it to one that is absent or stopped would only fail.
    for (const color of colors) {
      const wanted = routes.weights[color] > 0 || routes.preview === color;
      const changed = routes.weights[color] !== entry.proxy.routes.weights[color] || (routes.preview === color && entry.proxy.routes.preview !== color);
      if (wanted && changed && (!entry.colors[color] || entry.stopped.has(color))) {
        throw new SupervisorError(409, 'not_running', `${key}-${color} does not run: deploy it before sending it traffic`);
      }
    }
    entry.proxy.route(routes);
    this.save();
    return entry.proxy.routes;
  }

  status(key: string): ServiceStatus {
    const entry = this.entry(key);
    const colorStatus: ServiceStatus['colors'] = {};
    for (const color of colors) {
      const process = entry.colors[color];
      if (process) colorStatus[color] = { ...process.status(), inFlight: entry.proxy.inFlight(color) };
    }
    return { key, ...entry.spec, routes: entry.proxy.routes, colors: colorStatus };
  }

  /** Stops everything: proxies first (requests under way finish), then the processes. */
  async shutdown(): Promise<void> {
    // What was running should run again after a restart: the state file keeps the colours as they are now.
    this.shuttingDown = true;
    await Promise.all([...this.services.values()].map((entry) => entry.proxy.close()));
    await Promise.all([...this.services.values()].flatMap((entry) => Object.values(entry.colors).map((process) => process.stop())));
  }

  private entry(key: string): ServiceEntry {
    const entry = this.services.get(key);
    if (!entry) throw new SupervisorError(404, 'not_found', `service ${key} not found`);
    return entry;
  }

  private async open(key: string, saved: SavedService, processes: ServiceEntry['colors'] = {}, stopped = new Set<Color>()): Promise<ServiceEntry> {
    const spec = { port: saved.port, previewPort: saved.previewPort, host: saved.host };
    const proxy = new ServiceProxy((color) => ({ host: '127.0.0.1', port: entry.colors[color]?.spec.port ?? 0 }));
    const entry: ServiceEntry = { spec, proxy, colors: processes, stopped, queue: Promise.resolve() };
    try {
      await entry.proxy.listen(saved.host, saved.port, saved.previewPort);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new SupervisorError(409, 'port_in_use', `port ${saved.port} or ${saved.previewPort} is already in use`);
      throw error;
    }
    this.services.set(key, entry);
    return entry;
  }

  /** Registers a colour's process and starts it, unless it is restored as stopped (kept for its version). */
  private startColor(key: string, entry: ServiceEntry, color: Color, spec: ColorSpec, options = { stopped: false }): void {
    const process = new ColorProcess(color, spec, path.join(this.logDir, `${key}-${color}.log`), () => this.save());
    entry.colors[color] = process;
    if (!options.stopped) process.start();
  }

  private save(): void {
    if (this.shuttingDown) return;
    const services: Record<string, SavedService> = { ...this.unrestored };
    for (const [key, entry] of this.services) {
      const saved: SavedService = { ...entry.spec, routes: entry.proxy.routes, colors: {} };
      for (const color of colors) {
        const process = entry.colors[color];
        if (process) saved.colors[color] = { spec: process.spec, pid: process.pid ?? null, stopped: entry.stopped.has(color) };
      }
      services[key] = saved;
    }
    saveState(this.stateFile, services);
  }
}

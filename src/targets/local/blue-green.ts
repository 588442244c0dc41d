import type { Scope } from '../../bindings/scope.ts';
import type { LocalServiceDefinition } from '../../services/definition.ts';
import { colors, type Color } from '../../workflows/lib/colors.ts';
import { OwnedElsewhereError } from '../ownership.ts';
import type { ColorHealth, ReleaseTarget, RolloutStatus } from '../target.ts';
import { fillCommand } from './command.ts';
import { localServiceKey } from './service-key.ts';
import type { ColorSpec } from './supervisor/color-process.ts';

/** A colour's process as the supervisor reports it. */
export interface LocalColorStatus {
  version: string;
  state: 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'stopped';
  ready: boolean;
  restarts: number;
}

/** A local service as the supervisor reports it. */
export interface LocalServiceStatus {
  routes: { weights: Record<Color, number>; preview: Color | null };
  colors: Partial<Record<Color, LocalColorStatus>>;
}

/** What a colour runs: the supervisor starts it, health-checks it and restarts it when it dies. */
export type LocalColorSpec = ColorSpec;

/** The calls the local target makes to the supervisor (its control API on 127.0.0.1). */
export interface SupervisorControl {
  /** Declares a service and opens its proxy listeners; idempotent. */
  putService(key: string, spec: { port: number; previewPort: number; host: string }): Promise<void>;
  /** The service's routes and colours; undefined when the supervisor does not know it. */
  getService(key: string): Promise<LocalServiceStatus | undefined>;
  /** Starts a colour, or replaces it when its spec changed; a no-op when it already runs that spec. */
  putColor(key: string, color: Color, spec: LocalColorSpec): Promise<void>;
  /** Stops a colour after its in-flight requests finish (or the drain timeout passes). */
  stopColor(key: string, color: Color, drainTimeoutMs: number): Promise<void>;
  /** Applies new routes at once and returns the routes now in force. */
  setRoutes(key: string, routes: { weights?: Record<Color, number>; preview?: Color | null }): Promise<LocalServiceStatus['routes']>;
}

/** A colour that crashed this often before it was ever ready has failed its rollout. */
const crashLoopRestarts = 3;

/** Turns the supervisor's "that port is another of my services'" into OwnedElsewhereError; other errors pass as they are. */
function ownedElsewhereFrom(error: unknown): unknown {
  const answer = error as { status?: number; code?: string; details?: { port?: number; heldBy?: string } } | undefined;
  if (answer?.status !== 409 || answer.code !== 'port_in_use' || answer.details?.heldBy !== 'service') return error;
  // The other service may be another workspace's: its name is not told.
  return new OwnedElsewhereError({ kind: 'port', namespace: 'local', name: String(answer.details?.port ?? '?') }, {});
}

/**
 * Blue-green on this machine: each colour is a process the supervisor runs, and the supervisor's proxy sends
 * stable traffic by weight (all of it to one colour, for blue-green) and preview traffic to the standby.
 */
export class LocalBlueGreen implements ReleaseTarget {
  constructor(
    private readonly supervisor: () => Promise<SupervisorControl>,
    private readonly owner: Scope,
    private readonly service: string,
    private readonly definition: LocalServiceDefinition,
  ) {}

  /**
   * The supervisor knows a service by workspace, environment and name, so two workspaces' services of one name
   * are two services; a port one of them holds is refused to the other (OwnedElsewhereError).
   */
  get key(): string {
    return localServiceKey(this.owner, this.service);
  }

  /** What an older Cutover called the service (name and public port): read until the first write takes it over. */
  private get legacyKey(): string {
    return `${this.service}-${this.definition.local.port}`;
  }

  /**
   * The supervisor, with this service declared on it (idempotent, so a restarted supervisor learns it again).
   * Declaring it takes over the same service of an older Cutover (keyed by name and port) with its processes.
   */
  private async control(): Promise<SupervisorControl> {
    const supervisor = await this.supervisor();
    const { port, previewPort, host } = this.definition.local;
    try {
      await supervisor.putService(this.key, { port, previewPort, host });
    } catch (error) {
      throw ownedElsewhereFrom(error);
    }
    return supervisor;
  }

  /** The service as the supervisor has it; an older Cutover's entry of it until a write takes it over. */
  private async status(): Promise<LocalServiceStatus | undefined> {
    const supervisor = await this.supervisor();
    return (await supervisor.getService(this.key)) ?? (await supervisor.getService(this.legacyKey));
  }

  /** Nothing to read first: another owner's service has another key, and its ports are refused when this one is declared. */
  async claim(): Promise<void> {}

  async activeColor(): Promise<Color | undefined> {
    const weights = (await this.status())?.routes.weights;
    return weights && colors.find((color) => weights[color] === 100);
  }

  async deploy(color: Color, image: string, version: string): Promise<void> {
    const { local, env } = this.definition;
    const port = local.colorPorts[color];
    const [command, ...args] = fillCommand(local.command, { image, version, color, port: String(port) });
    const supervisor = await this.control();
    try {
      await supervisor.putColor(this.key, color, { command: command!, args, cwd: local.cwd, env, port, version, readiness: local.readiness });
    } catch (error) {
      throw ownedElsewhereFrom(error);
    }
  }

  async rollout(color: Color): Promise<RolloutStatus> {
    const process = (await this.status())?.colors[color];
    if (!process || process.state === 'stopped') return { state: 'failed', message: `${this.service}-${color} is not running` };
    if (process.ready) return { state: 'done' };
    if (process.state === 'crashed' && process.restarts >= crashLoopRestarts) {
      return { state: 'failed', message: `${this.service}-${color} crashed ${process.restarts} times before it was ready` };
    }
    return { state: 'progressing', message: `${this.service}-${color} is ${process.state}` };
  }

  async versionOf(color: Color): Promise<{ version?: string; replicas: number } | undefined> {
    const process = (await this.status())?.colors[color];
    if (!process) return undefined;
    return { version: process.version, replicas: process.state === 'stopped' ? 0 : 1 };
  }

  /** The proxy's stable weights; undefined when the supervisor does not know the service yet. */
  async stableWeights(): Promise<Record<Color, number> | undefined> {
    return (await this.status())?.routes.weights;
  }

  /** Applies stable weights (any split) and returns the weights the proxy applies now. */
  async setStableWeights(weights: Record<Color, number>): Promise<Record<Color, number>> {
    return (await (await this.control()).setRoutes(this.key, { weights })).weights;
  }

  async select(role: 'stable' | 'preview', color: Color): Promise<boolean> {
    const supervisor = await this.control();
    const current = (await supervisor.getService(this.key))?.routes;
    if (role === 'preview') {
      if (current?.preview === color) return false;
      const routes = await supervisor.setRoutes(this.key, { preview: color });
      if (routes.preview !== color) throw new Error(`the preview of ${this.service} did not move to ${color}`);
      return true;
    }
    if (current?.weights[color] === 100) return false;
    const weights = { blue: color === 'blue' ? 100 : 0, green: color === 'green' ? 100 : 0 };
    // The supervisor answers with the routes it now applies: that is the verification.
    const routes = await supervisor.setRoutes(this.key, { weights });
    if (routes.weights[color] !== 100) throw new Error(`the proxy of ${this.service} did not move to ${color}`);
    return true;
  }

  async scale(color: Color, replicas: number): Promise<void> {
    if (replicas > 0) throw new Error('a local colour is scaled up by deploying it');
    await (await this.control()).stopColor(this.key, color, this.definition.local.drainTimeoutMs);
  }

  async podHealth(color: Color): Promise<ColorHealth> {
    const process = (await this.status())?.colors[color];
    if (!process || process.state === 'stopped') return { pods: 0, ready: 0, restarts: process?.restarts ?? 0 };
    return { pods: 1, ready: process.ready ? 1 : 0, restarts: process.restarts };
  }
}

import type { Scope } from '../bindings/scope.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import { KubernetesBlueGreen } from './kubernetes/blue-green.ts';
import type { KubeClients } from './kubernetes/client.ts';
import type { KubeWatchCache } from './kubernetes/watch-cache.ts';
import { LocalBlueGreen, type SupervisorControl } from './local/blue-green.ts';

import { trafficRouter } from '../traffic/registry.ts';
import { allTo, sameWeights, type TrafficRouter } from '../traffic/router.ts';
import type { Color } from '../workflows/lib/colors.ts';
import type { ClaimOptions, ReleaseTarget } from './target.ts';

/** The clients targets are built from; each is made on first use. */
export interface TargetDeps {
  /** Kubernetes API clients. */
  kube: () => KubeClients;
  /** The local target's supervisor, found or started on first use. */
  local: () => Promise<SupervisorControl>;
  /** A watch cache of Kubernetes Services and Pods (the API's instant switches); none: always read. */
  kubeCache?: () => KubeWatchCache;
}

type TargetType = ServiceDefinition['target'];
type Factory<T extends TargetType> = (
  deps: TargetDeps,
  owner: Scope,
  service: string,
  definition: Extract<ServiceDefinition, { target: T }>,
) => ReleaseTarget;

/** One factory per value of the definition's `target`; the workflows never know which one runs. */
const factories: { [T in TargetType]: Factory<T> } = {
  kubernetes: (deps, owner, service, definition) => new KubernetesBlueGreen(deps.kube(), owner, service, definition, deps.kubeCache?.()),
  local: (deps, owner, service, definition) => new LocalBlueGreen(deps.local, owner, service, definition),
};

/**
 * The target a service's definition names, acting for `owner` (the workspace environment of the service): what
 * it creates carries the owner's labels or key, and it refuses to change another owner's objects. Its stable
 * traffic moves through the definition's traffic provider.
 */
export function releaseTarget(deps: TargetDeps, owner: Scope, service: string, definition: ServiceDefinition): ReleaseTarget {
  const make = factories[definition.target] as Factory<TargetType>;
  const target = make(deps, owner, service, definition);
  // The selector and the local proxy are the targets' own way to move traffic; another provider wraps them.
  if (definition.target === 'kubernetes' && definition.traffic.provider === 'gateway-api') {
    return new RoutedTarget(target, trafficRouter(deps, owner, service, definition));
  }
  return target;
}

/** A target whose stable traffic goes through a traffic router (blue-green over a Gateway API HTTPRoute). */
class RoutedTarget implements ReleaseTarget {
  constructor(
    private readonly inner: ReleaseTarget,
    private readonly router: TrafficRouter,
  ) {}

  /** The stable route is the router's (an HTTPRoute), not the inner target's stable Service. */
  async claim(options: ClaimOptions = {}): Promise<void> {
    await Promise.all([this.inner.claim({ ...options, stable: false }), this.router.claim?.()]);
  }

  /** The colour with most of the traffic (all of it, outside a canary). */
  async activeColor(): Promise<Color | undefined> {
    const weights = await this.router.weights();
    if (!weights || weights.blue + weights.green === 0) return undefined;
    return weights.blue >= weights.green ? 'blue' : 'green';
  }

  async select(role: 'stable' | 'preview', color: Color): Promise<boolean> {
    if (role === 'preview') return this.inner.select(role, color);
    if (sameWeights(await this.router.weights(), allTo(color))) return false;
    await this.router.setWeights(allTo(color));
    return true;
  }

  deploy(color: Color, image: string, version: string) {
    return this.inner.deploy(color, image, version);
  }

  rollout(color: Color) {
    return this.inner.rollout(color);
  }

  versionOf(color: Color) {
    return this.inner.versionOf(color);
  }

  scale(color: Color, replicas: number) {
    return this.inner.scale(color, replicas);
  }

  podHealth(color: Color) {
    return this.inner.podHealth(color);
  }
}

/**
 * Starts watching what an instant switch of this service reads, where its target keeps a cache, so the switch
 * decides from memory. Never throws: without a cluster configured, switches read the API server.
 */
export function watchService(deps: TargetDeps, definition: ServiceDefinition): void {
  if (definition.target !== 'kubernetes' || !deps.kubeCache) return;
  try {
    void deps.kubeCache().watch(definition.namespace);
  } catch {
    // No kubeconfig: nothing to watch.
  }
}

import type { ServiceDefinition } from '../services/definition.ts';
import { KubernetesBlueGreen } from './kubernetes/blue-green.ts';
import type { KubeClients } from './kubernetes/client.ts';
import type { KubeWatchCache } from './kubernetes/watch-cache.ts';
import { LocalBlueGreen, type SupervisorControl } from './local/blue-green.ts';

import type { ReleaseTarget } from './target.ts';

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
type Factory<T extends TargetType> = (deps: TargetDeps, service: string, definition: Extract<ServiceDefinition, { target: T }>) => ReleaseTarget;

/** One factory per value of the definition's `target`; the workflows never know which one runs. */
const factories: { [T in TargetType]: Factory<T> } = {
  kubernetes: (deps, service, definition) => new KubernetesBlueGreen(deps.kube(), service, definition, deps.kubeCache?.()),
  local: (deps, service, definition) => new LocalBlueGreen(deps.local, service, definition),
};

/** The target a service's definition names. */
export function releaseTarget(deps: TargetDeps, service: string, definition: ServiceDefinition): ReleaseTarget {
  const make = factories[definition.target] as Factory<TargetType>;
  return make(deps, service, definition);
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

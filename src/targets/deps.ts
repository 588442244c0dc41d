import { lazyKubeClients, type KubeClients } from './kubernetes/client.ts';
import { KubeWatchCache } from './kubernetes/watch-cache.ts';
import type { SupervisorControl } from './local/blue-green.ts';
import { supervisorControl } from './local/connect.ts';
import type { TargetDeps } from './registry.ts';

/** The local target's supervisor when nothing says otherwise (the defaults of loadConfig). */
export const defaultLocalTarget = { dataDir: '.data/local-target', port: 7390 };

export interface TargetSettings {
  /** Kubernetes clients; default: the kubeconfig chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kube?: () => KubeClients;
  /** The local supervisor's control; default: the one at `localTarget`. */
  local?: () => Promise<SupervisorControl>;
  /** Where the local supervisor keeps its state and listens. */
  localTarget?: { dataDir: string; port: number };
  /** Start the supervisor when none runs (a worker does; the API only connects to one). */
  startSupervisor: boolean;
  /** Keep a watch cache of the Kubernetes objects of services (the API's instant switches). */
  watchKubernetes: boolean;
}

/** The clients targets are built from, each made on first use; `close` ends the watches. */
export function createTargetDeps(settings: TargetSettings): TargetDeps & { close(): Promise<void> } {
  const kube = settings.kube ?? lazyKubeClients();
  let cache: KubeWatchCache | undefined;
  let closed = false;
  const kubeCache = () => {
    if (!cache) {
      cache = new KubeWatchCache(kube());
      // Asked for after close (a request that was still running): a cache that never watches.
      if (closed) void cache.stop();
    }
    return cache;
  };
  return {
    kube,
    local: settings.local ?? supervisorControl(settings.localTarget ?? defaultLocalTarget, { start: settings.startSupervisor }),
    kubeCache: settings.watchKubernetes ? kubeCache : undefined,
    close: async () => {
      closed = true;
      await cache?.stop();
    },
  };
}

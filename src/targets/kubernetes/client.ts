import { ApiException, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

/** The narrow set of API clients the Kubernetes target uses. */
export interface KubeClients {
  /** The loaded kubeconfig (watches are built from it). */
  config: KubeConfig;
  apps: AppsV1Api;
  core: CoreV1Api;
  /** Jobs: release hooks (migrations). */
  batch: BatchV1Api;
  /** Custom resources: Gateway API HTTPRoutes. */
  custom: CustomObjectsApi;
}

/** From a kubeconfig file, or the default chain ($KUBECONFIG, ~/.kube/config, in-cluster service account). */
export function createKubeClients(kubeconfigPath?: string): KubeClients {
  const config = new KubeConfig();
  if (kubeconfigPath) config.loadFromFile(kubeconfigPath);
  else config.loadFromDefault();
  return {
    config,
    apps: config.makeApiClient(AppsV1Api),
    core: config.makeApiClient(CoreV1Api),
    batch: config.makeApiClient(BatchV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
  };
}

/** Clients made on first call and reused, so a process that never touches Kubernetes needs no cluster. */
export function lazyKubeClients(kubeconfigPath?: string): () => KubeClients {
  let clients: KubeClients | undefined;
  return () => (clients ??= createKubeClients(kubeconfigPath));
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiException && error.code === 409;
}

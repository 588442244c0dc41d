import { randomUUID } from 'node:crypto';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
} from '@kubernetes/client-node';

/** The clients the Kubernetes tests use, all built from one kubeconfig. */
export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  discovery: DiscoveryV1Api;
}

/**
 * The test cluster's kubeconfig path, set by the kube project's global setup (tests/setup/kube.ts), which
 * starts the cluster. Missing means the setup did not run: a failure, never a skip.
 */
export function testKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.CUTOVER_TEST_KUBECONFIG;
  if (!path) throw new Error('CUTOVER_TEST_KUBECONFIG is not set: run the Kubernetes tests through vitest (npm test)');
  return path;
}

export function loadKubeClients(kubeconfigPath: string): KubeClients {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    discovery: kc.makeApiClient(DiscoveryV1Api),
  };
}

/** Creates a namespace with a unique name, so each test file owns its objects. */
export async function createTestNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'cutover.dev/test': 'true' } } } });
  return name;
}

/** Starts deleting the namespace and everything in it; does not wait for it to disappear. */
export async function deleteTestNamespace(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.deleteNamespace({ name });
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
  }
}

/** True when `err` is the client's ApiException with the given HTTP status. */
export function isApiError(err: unknown, code: number): err is ApiException<unknown> {
  return err instanceof ApiException && err.code === code;
}

export { waitFor } from './wait.ts';

import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import {
  createTestNamespace,
  deleteTestNamespace,
  loadKubeClients,
  testKubeconfigPath,
  type KubeClients,
} from './kube-client.ts';

/** The cluster the kube project's global setup started. */
export const kubeconfigPath = testKubeconfigPath();

/** What a Kubernetes test file gets: clients and a namespace of its own. */
export interface KubeTestContext {
  /** Clients for the test cluster. */
  readonly clients: KubeClients;
  /** A namespace created for this file and deleted after it. */
  readonly namespace: string;
}

/** Registers beforeAll/afterAll hooks that create and delete a unique namespace for the calling file. */
export function useKubeNamespace(prefix: string): KubeTestContext {
  let clients: KubeClients | undefined;
  let namespace: string | undefined;

  beforeAll(async () => {
    clients = loadKubeClients(kubeconfigPath);
    namespace = await createTestNamespace(clients.core, prefix);
  }, 60_000);

  afterAll(async () => {
    if (clients && namespace) await deleteTestNamespace(clients.core, namespace);
  }, 60_000);

  return {
    get clients() {
      if (!clients) throw new Error('Kubernetes clients are only available inside tests');
      return clients;
    },
    get namespace() {
      if (!namespace) throw new Error('the test namespace is only available inside tests');
      return namespace;
    },
  };
}

/** A Deployment whose pods kwok's fake node marks Ready (no container ever runs, so any image works). */
export function webDeployment(opts: {
  name: string;
  labels: Record<string, string>;
  image: string;
  replicas: number;
  /** Defaults to `labels`; set it only to build an invalid Deployment. */
  selector?: Record<string, string>;
}): V1Deployment {
  return {
    metadata: { name: opts.name, labels: opts.labels },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: opts.selector ?? opts.labels },
      // Fast rollouts: fake pods are Ready at once, so no surge limits or min-ready delays are needed.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      progressDeadlineSeconds: 60,
      template: {
        metadata: { labels: opts.labels },
        spec: { containers: [{ name: 'web', image: opts.image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

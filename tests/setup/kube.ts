import type { TestProject } from 'vitest/node';
import { ensureKubeCluster } from '../support/kube-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
  }
}

/** Brings the local Kubernetes control plane up once per run (built on first use, then reused). */
export default async function setup(project: TestProject) {
  const { kubeconfigPath } = await ensureKubeCluster();
  process.env.CUTOVER_TEST_KUBECONFIG = kubeconfigPath;
  project.provide('kubeconfigPath', kubeconfigPath);
}

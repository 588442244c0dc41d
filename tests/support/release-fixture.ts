import { randomUUID } from 'node:crypto';
import { bindNamespaces } from './bindings.ts';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createKubeClients, type KubeClients } from '../../src/targets/kubernetes/client.ts';
import { startFixtureApp, type FixtureApp } from './fixture-app.ts';
import { postRelease, readDeployment, untilStatus } from './deployment-waits.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from './harness.ts';

/** Durations short enough for tests; the workflow code is the production one. */
export const fastTimings = {
  rolloutTimeoutMs: 60_000,
  rolloutPollMs: 200,
  approvalTimeoutMs: 60_000,
  monitorDurationMs: 1_500,
  monitorIntervalMs: 200,
  failureThreshold: 3,
  retentionMs: 1_000,
};

export interface DeploymentView {
  id: string;
  status: string;
  reason: string | null;
  workflow_id: string;
  steps: Array<{ step: string; status: string; details: Record<string, unknown> | null }>;
}

export { finalStatuses } from './deployment-waits.ts';

/**
 * A test file's release setup on real Temporal, Postgres and Kubernetes: a namespace, a worker, a workspace,
 * and fixture HTTP servers standing in for the preview and stable endpoints (kwok's fake nodes run no containers).
 */
export function useReleaseFixture(prefix: string) {
  const ctx = {} as {
    kube: KubeClients;
    harness: Harness;
    workspace: TestWorkspace;
    namespace: string;
    preview: FixtureApp;
    stable: FixtureApp;
  };

  beforeAll(async () => {
    ctx.kube = createKubeClients(inject('kubeconfigPath'));
    ctx.namespace = `${prefix}-${randomUUID().slice(0, 8)}`;
    await ctx.kube.core.createNamespace({ body: { metadata: { name: ctx.namespace } } });
    ctx.harness = await startHarness({ kube: () => ctx.kube });
    ctx.workspace = await createTestWorkspace(ctx.harness.db, prefix);
    await bindNamespaces(ctx.harness.db, ctx.workspace.id, [ctx.namespace]);
    ctx.preview = await startFixtureApp();
    ctx.stable = await startFixtureApp();
  });

  afterAll(async () => {
    await ctx.harness?.close();
    await ctx.preview?.close();
    await ctx.stable?.close();
    if (ctx.namespace) await ctx.kube.core.deleteNamespace({ name: ctx.namespace }).catch(() => undefined);
  });

  const helpers = {
    registerService: async (name: string, environment = 'staging', extra: Record<string, unknown> = {}): Promise<void> => {
      const response = await ctx.harness.call('POST', '/api/v1/services', {
        token: ctx.workspace.tokens.operator,
        body: {
          name,
          environment,
          definition: {
            namespace: ctx.namespace,
            image: `registry.example/${name}:1`,
            replicas: 2,
            ports: [{ port: 80, targetPort: 8080 }],
            smokeChecks: [{ name: 'health', path: '/healthz', jsonPath: 'status', equals: 'ok' }],
            endpoints: { preview: ctx.preview.url, stable: ctx.stable.url },
            ...extra,
          },
        },
      });
      expect(response.status).toBe(201);
    },

    release: (service: string, version: string, options: Record<string, unknown> = {}): Promise<DeploymentView> =>
      postRelease(ctx.harness, ctx.workspace.tokens.operator, {
        service,
        version,
        image: `registry.example/${service}:${version}`,
        strategy: 'blue-green',
        options: { timings: fastTimings, ...options },
      }),

    get: (id: string): Promise<DeploymentView> => readDeployment(ctx.harness, ctx.workspace.tokens.viewer, id),

    until: (id: string, statuses?: string[]): Promise<DeploymentView> => untilStatus(ctx.harness, ctx.workspace.tokens.viewer, id, statuses),

    selectedColor: async (serviceName: string): Promise<string | undefined> => {
      const service = await ctx.kube.core.readNamespacedService({ name: serviceName, namespace: ctx.namespace });
      return service.spec?.selector?.['cutover.dev/color'];
    },

    replicas: async (name: string): Promise<number | undefined> => {
      return (await ctx.kube.apps.readNamespacedDeployment({ name, namespace: ctx.namespace })).spec?.replicas;
    },
  };
  return { ctx, ...helpers };
}

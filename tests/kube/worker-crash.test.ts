// needs: Postgres, Temporal dev server, the test cluster (worker processes of its own)
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKubeClients, type KubeClients } from '../../src/targets/kubernetes/client.ts';
import type { blueGreenWorkflow } from '../../src/workflows/blue-green.ts';
import { startFixtureApp, type FixtureApp } from '../support/fixture-app.ts';
import { bindNamespaces } from '../support/bindings.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { spawnWorker } from '../support/spawn-worker.ts';

// The release's worker runs in a child process that the test kills with SIGKILL in the monitor window.
let kube: KubeClients;
let harness: Harness;
let workspace: TestWorkspace;
let namespace: string;
let endpoint: FixtureApp;
const workers: ChildProcess[] = [];

async function startWorkerProcess(taskQueue: string): Promise<ChildProcess> {
  const child = await spawnWorker(taskQueue, { TEST_KUBECONFIG: inject('kubeconfigPath') });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  kube = createKubeClients(inject('kubeconfigPath'));
  namespace = `crash-${randomUUID().slice(0, 8)}`;
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  // This harness has no worker of its own: the API starts releases on a queue only the child process polls.
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'crash');
  await bindNamespaces(harness.db, workspace.id, [namespace]);
  endpoint = await startFixtureApp();
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await harness?.close();
  await endpoint?.close();
  if (namespace) await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('a worker killed during the monitor window', () => {
  it('leaves traffic served, and a new worker finishes the run with no second switch', async () => {
    const created = await harness.call('POST', '/api/v1/services', {
      token: workspace.tokens.operator,
      body: {
        name: 'durable',
        environment: 'staging',
        definition: {
          namespace,
          image: 'registry.example/durable:1',
          replicas: 1,
          ports: [{ port: 80 }],
          endpoints: { preview: endpoint.url, stable: endpoint.url },
        },
      },
    });
    expect(created.status).toBe(201);

    const first = await startWorkerProcess(harness.taskQueue);
    const response = await harness.call('POST', '/api/v1/deployments', {
      token: workspace.tokens.operator,
      body: {
        service: 'durable',
        environment: 'staging',
        version: '1.0.0',
        strategy: 'blue-green',
        options: { timings: { rolloutPollMs: 200, monitorDurationMs: 8_000, monitorIntervalMs: 250 } },
      },
    });
    expect(response.status).toBe(201);
    const { id, workflow_id: workflowId } = (await response.json()) as { id: string; workflow_id: string };

    await eventually(async () => {
      const body = (await (await harness.call('GET', `/api/v1/deployments/${id}`, { token: workspace.tokens.viewer })).json()) as {
        steps: Array<{ step: string; status: string }>;
      };
      return body.steps.some((step) => step.step === 'monitor' && step.status === 'started') ? true : undefined;
    }, 60_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    // With no worker at all, the switched Service keeps selecting the new colour: traffic is still served.
    const service = await kube.core.readNamespacedService({ name: 'durable', namespace });
    expect(service.spec?.selector?.['cutover.dev/color']).toBe('blue');

    await startWorkerProcess(harness.taskQueue);
    const result = await harness.temporal.workflow.getHandle<typeof blueGreenWorkflow>(workflowId).result();
    expect(result).toMatchObject({ status: 'succeeded', trafficColor: 'blue' });

    // The switch ran once: the new worker replayed it from history instead of repeating it.
    const history = await harness.temporal.workflow.getHandle(workflowId).fetchHistory();
    const switches = (history.events ?? []).filter(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'switchTraffic',
    );
    // One preview switch while deploying, one stable switch.
    expect(switches).toHaveLength(2);
    const detail = (await (await harness.call('GET', `/api/v1/deployments/${id}`, { token: workspace.tokens.viewer })).json()) as {
      status: string;
    };
    expect(detail.status).toBe('succeeded');
  });
});

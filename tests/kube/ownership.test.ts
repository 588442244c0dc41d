// needs: Postgres, Temporal dev server, the test cluster
import { randomUUID } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Job, type V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStream } from '../../src/db/schema/index.ts';
import { jobObjectName, kubernetesRunner } from '../../src/ops/workloads/kubernetes.ts';
import { WorkloadError } from '../../src/ops/workloads/types.ts';
import { OwnedElsewhereError } from '../../src/targets/ownership.ts';
import { bindNamespaces } from '../support/bindings.ts';
import { postRelease, untilStatus } from '../support/deployment-waits.ts';
import { createTestWorkspace, eventually, type TestWorkspace } from '../support/harness.ts';
import { webDeployment } from '../support/kube-test.ts';
import { fastTimings, useReleaseFixture } from '../support/release-fixture.ts';

// Every object a release creates carries its workspace and environment; an object that carries another's, or
// that Cutover did not make, is never adopted: the release fails with OwnedElsewhere and the object stays as it was.

const { ctx, registerService, release, until } = useReleaseFixture('owner');
const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;
const staging = (workspace: { id: string }) => ({ workspaceId: workspace.id, environment: 'staging' });
/** The labels that say whose an object is (spelled out here, not taken from the code under test). */
const ownerLabels = (owner: { workspaceId: string; environment: string }) => ({
  'app.kubernetes.io/managed-by': 'cutover',
  'cutover.dev/workspace': owner.workspaceId,
  'cutover.dev/environment': owner.environment,
});
/** Labels of a workspace that is not in this test at all. */
const foreignLabels = () => ownerLabels({ workspaceId: randomUUID(), environment: 'staging' });

/** What a change to an object would show: its labels and its spec's generation (status updates leave it). */
const shape = (object: V1Deployment | V1Service | undefined) => ({
  labels: object?.metadata?.labels,
  generation: object?.metadata?.generation,
  spec: JSON.stringify(object?.spec),
});

async function objectsOf(namespace: string, app: string) {
  const [deployments, services] = await Promise.all([
    ctx.kube.apps.listNamespacedDeployment({ namespace, labelSelector: `app=${app}` }),
    ctx.kube.core.listNamespacedService({ namespace, labelSelector: `app=${app}` }),
  ]);
  return { deployments: deployments.items, services: services.items };
}

const readOrUndefined = <T>(read: Promise<T>) => read.catch(() => undefined);

describe('two workspaces on one cluster', () => {
  let other: TestWorkspace;
  let otherNamespace: string;

  beforeAll(async () => {
    other = await createTestWorkspace(ctx.harness.db, 'owner-b');
    otherNamespace = `owner-b-${randomUUID().slice(0, 8)}`;
    await ctx.kube.core.createNamespace({ body: { metadata: { name: otherNamespace } } });
    await bindNamespaces(ctx.harness.db, other.id, [otherNamespace]);
  });

  afterAll(async () => {
    if (otherNamespace) await ctx.kube.core.deleteNamespace({ name: otherNamespace }).catch(() => undefined);
  });

  it('release services of the same name at the same time, each namespace holding only its own labels', async () => {
    ctx.preview.respond(200, { status: 'ok' });
    ctx.stable.respond(200, { status: 'ok' });
    await registerService('twin');
    const registered = await ctx.harness.call('POST', '/api/v1/services', {
      token: other.tokens.operator,
      body: {
        name: 'twin',
        environment: 'staging',
        definition: {
          namespace: otherNamespace,
          image: 'registry.example/twin:1',
          replicas: 2,
          ports: [{ port: 80, targetPort: 8080 }],
          smokeChecks: [{ name: 'health', path: '/healthz', jsonPath: 'status', equals: 'ok' }],
          endpoints: { preview: ctx.preview.url, stable: ctx.stable.url },
        },
      },
    });
    expect(registered.status, await registered.clone().text()).toBe(201);

    const releaseOther = (version: string) =>
      postRelease(ctx.harness, other.tokens.operator, { service: 'twin', version, image: `registry.example/twin:${version}`, strategy: 'blue-green', options: { timings: fastTimings } });
    const [a, b] = await Promise.all([release('twin', '1.0.0'), releaseOther('1.5.0')]);
    const [doneA, doneB] = await Promise.all([until(a.id), untilStatus(ctx.harness, other.tokens.viewer, b.id)]);
    expect(doneA.status, doneA.reason ?? '').toBe('succeeded');
    expect(doneB.status, doneB.reason ?? '').toBe('succeeded');

    for (const [namespace, owner, image] of [
      [ctx.namespace, staging(ctx.workspace), 'registry.example/twin:1.0.0'],
      [otherNamespace, staging(other), 'registry.example/twin:1.5.0'],
    ] as const) {
      const { deployments, services } = await objectsOf(namespace, 'twin');
      expect(deployments.map((deployment) => deployment.metadata?.name)).toEqual(['twin-blue']);
      expect(services.map((service) => service.metadata?.name).sort()).toEqual(['twin', 'twin-preview']);
      for (const object of [...deployments, ...services]) {
        expect(object.metadata?.labels, `${namespace}/${object.metadata?.name}`).toMatchObject(ownerLabels(owner));
      }
      expect(deployments[0]?.spec?.template.metadata?.labels).toMatchObject(ownerLabels(owner));
      expect(deployments[0]?.spec?.template.spec?.containers[0]?.image).toBe(image);
    }

    // The first workspace's next release changes its own namespace only.
    const before = await objectsOf(otherNamespace, 'twin');
    expect((await until((await release('twin', '2.0.0')).id)).status).toBe('succeeded');
    const after = await objectsOf(otherNamespace, 'twin');
    expect(after.deployments.map(shape)).toEqual(before.deployments.map(shape));
    expect(after.services.map(shape)).toEqual(before.services.map(shape));
    expect((await objectsOf(ctx.namespace, 'twin')).deployments.map((deployment) => deployment.metadata?.name).sort()).toEqual(['twin-blue', 'twin-green']);
  });
});

describe('objects that are not the releasing workspace environment’s', () => {
  it("fail the release with OwnedElsewhere on another workspace's Deployment, which stays as it was", async () => {
    const labels = { app: 'squat', 'cutover.dev/color': 'blue', ...foreignLabels() };
    await ctx.kube.apps.createNamespacedDeployment({
      namespace: ctx.namespace,
      body: webDeployment({ name: 'squat-blue', labels, image: 'registry.example/squat:0', replicas: 1 }),
    });
    const before = await ctx.kube.apps.readNamespacedDeployment({ name: 'squat-blue', namespace: ctx.namespace });
    await registerService('squat');

    const done = await until((await release('squat', '1.0.0')).id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(new RegExp(`Deployment ${ctx.namespace}/squat-blue belongs to another workspace`));
    expect(done.steps.find((step) => step.step === 'resolve-active-color')?.status).toBe('failed');
    const after = await ctx.kube.apps.readNamespacedDeployment({ name: 'squat-blue', namespace: ctx.namespace });
    expect(shape(after)).toEqual(shape(before));
    expect(after.metadata?.annotations?.['cutover.dev/version']).toBeUndefined();
    // Refused before anything was made.
    expect((await objectsOf(ctx.namespace, 'squat')).services).toEqual([]);
    expect(await readOrUndefined(ctx.kube.apps.readNamespacedDeployment({ name: 'squat-green', namespace: ctx.namespace }))).toBeUndefined();
  });

  it('does not adopt an unmanaged Service of the same name', async () => {
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: { metadata: { name: 'plain', labels: { app: 'plain' } }, spec: { selector: { app: 'plain' }, ports: [{ port: 80 }] } },
    });
    const before = await ctx.kube.core.readNamespacedService({ name: 'plain', namespace: ctx.namespace });
    await registerService('plain');

    const done = await until((await release('plain', '1.0.0')).id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(new RegExp(`Service ${ctx.namespace}/plain exists and is not managed by Cutover`));
    const after = await ctx.kube.core.readNamespacedService({ name: 'plain', namespace: ctx.namespace });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.spec?.selector).toEqual({ app: 'plain' });
    expect((await objectsOf(ctx.namespace, 'plain')).deployments).toEqual([]);
  });

  it("answers an instant switch and a traffic change on another workspace's Service with 409 naming it", async () => {
    ctx.preview.respond(200, { status: 'ok' });
    await registerService('loaned');
    expect((await until((await release('loaned', '1.0.0')).id)).status).toBe('succeeded');
    expect((await until((await release('loaned', '2.0.0', { timings: { ...fastTimings, retentionMs: 3_600_000 } })).id)).status).toBe('succeeded');
    // Someone relabels the stable Service for another workspace (what a binding mistake would let it do).
    await ctx.kube.core.patchNamespacedService(
      { name: 'loaned', namespace: ctx.namespace, body: { metadata: { labels: foreignLabels() } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const before = await ctx.kube.core.readNamespacedService({ name: 'loaned', namespace: ctx.namespace });
    const expected = `Service ${ctx.namespace}/loaned belongs to another workspace`;
    const token = ctx.workspace.tokens.operator;

    const switched = await ctx.harness.call('POST', '/api/v1/services/loaned/switch', { token, body: { environment: 'staging', to: 'blue', confirm: 'loaned' } });
    expect(switched.status).toBe(409);
    expect(((await switched.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'conflict', message: expected });
    const traffic = await ctx.harness.call('POST', '/api/v1/services/loaned/traffic', { token, body: { environment: 'staging', blue: 100, green: 0 } });
    expect(traffic.status).toBe(409);
    expect(((await traffic.json()) as { error: { message: string } }).error.message).toBe(expected);
    const read = await ctx.harness.call('GET', '/api/v1/services/loaned/traffic?environment=staging', { token: ctx.workspace.tokens.viewer });
    expect(read.status).toBe(409);

    const after = await ctx.kube.core.readNamespacedService({ name: 'loaned', namespace: ctx.namespace });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.spec?.selector?.['cutover.dev/color']).toBe('green');
  });

  it("fails a release through Gateway API on another environment's HTTPRoute, which stays as it was", async () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'routed', labels: { app: 'routed', ...ownerLabels({ workspaceId: ctx.workspace.id, environment: 'production' }) } },
      spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'routed-blue', port: 80, weight: 100 }] }] },
    };
    const created = (await ctx.kube.custom.createNamespacedCustomObject({ ...httpRoutes, namespace: ctx.namespace, body: route })) as {
      metadata: { resourceVersion: string };
    };
    await registerService('routed', 'staging', { traffic: { provider: 'gateway-api', gateway: { name: 'public' } } });

    const done = await until((await release('routed', '1.0.0')).id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(new RegExp(`HTTPRoute ${ctx.namespace}/routed belongs to the production environment of this workspace`));
    const after = (await ctx.kube.custom.getNamespacedCustomObject({ ...httpRoutes, namespace: ctx.namespace, name: 'routed' })) as {
      metadata: { resourceVersion: string };
    };
    expect(after.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect((await objectsOf(ctx.namespace, 'routed')).deployments).toEqual([]);
  });

  it("adopts, and labels, a colour's objects an older Cutover made (managed by Cutover, no owner)", async () => {
    const legacy = { 'app.kubernetes.io/managed-by': 'cutover' };
    const blue = webDeployment({ name: 'elder-blue', labels: { app: 'elder', 'cutover.dev/color': 'blue', ...legacy }, image: 'registry.example/elder:0', replicas: 1 });
    blue.metadata = { ...blue.metadata, annotations: { 'cutover.dev/version': '0.9.0' } };
    await ctx.kube.apps.createNamespacedDeployment({ namespace: ctx.namespace, body: blue });
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: { metadata: { name: 'elder', labels: { app: 'elder', ...legacy } }, spec: { selector: { app: 'elder', 'cutover.dev/color': 'blue' }, ports: [{ port: 80 }] } },
    });
    await registerService('elder');
    const done = await until((await release('elder', '1.0.0')).id);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    const owner = ownerLabels(staging(ctx.workspace));
    const labelled = (object: V1Deployment | V1Service) => Object.entries(owner).every(([key, value]) => object.metadata?.labels?.[key] === value);
    // The old blue is labelled when its retirement (1 s after the release) scales it down.
    const { deployments, services } = await eventually(async () => {
      const objects = await objectsOf(ctx.namespace, 'elder');
      return [...objects.deployments, ...objects.services].every(labelled) ? objects : undefined;
    }, 30_000);
    expect(deployments.map((deployment) => [deployment.metadata?.name, deployment.spec?.replicas])).toEqual([
      ['elder-blue', 0],
      ['elder-green', 2],
    ]);
    expect(services.find((service) => service.metadata?.name === 'elder')?.spec?.selector?.['cutover.dev/color']).toBe('green');
  });

  it("refuses to wait on a Job of the same name that is another workspace's, and leaves it alone", async () => {
    const batch = ctx.kube.batch;
    const runId = randomUUID();
    const name = jobObjectName('nightly', runId);
    const foreign: V1Job = {
      metadata: { name, labels: { ...foreignLabels(), 'cutover.dev/ops-run': runId } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.37' }] } } },
    };
    await batch.createNamespacedJob({ namespace: ctx.namespace, body: foreign });
    const before = await batch.readNamespacedJob({ name, namespace: ctx.namespace });
    const lines: Array<[LogStream, string]> = [];
    const refused: unknown = await kubernetesRunner({ clients: () => ({ batch, core: ctx.kube.core }), pollMs: 100 })
      .run(
        { type: 'kubernetes', namespace: ctx.namespace, image: 'busybox:1.37', command: ['true'], env: {} },
        {
          ...staging(ctx.workspace),
          runId,
          jobName: 'nightly',
          attempt: 1,
          onLine: (stream, line) => lines.push([stream, line]),
          signal: new AbortController().signal,
          heartbeat: () => undefined,
        },
      )
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkloadError);
    expect((refused as WorkloadError).retryable).toBe(false);
    expect((refused as WorkloadError).cause).toBeInstanceOf(OwnedElsewhereError);
    const after = await batch.readNamespacedJob({ name, namespace: ctx.namespace });
    expect(after.metadata?.labels).toEqual(before.metadata?.labels);
    expect(after.metadata?.deletionTimestamp).toBeUndefined();
  });
});

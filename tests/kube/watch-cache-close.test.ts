// needs: the test cluster
import { randomUUID } from 'node:crypto';
import { Watch } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createKubeClients, type KubeClients } from '../../src/targets/kubernetes/client.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';

let kube: KubeClients;
let namespace: string;

/** Every watch request the informers open, and how many events each delivered after the targets were closed. */
function recordWatches() {
  // Called with the Watch it belongs to (`original.call(this, ...)` below).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = Watch.prototype.watch;
  const opened: Array<{ path: string; controller: AbortController }> = [];
  const state = { closed: false, eventsAfterClose: 0 };
  vi.spyOn(Watch.prototype, 'watch').mockImplementation(async function (this: Watch, path, query, callback, done) {
    const controller = await original.call(
      this,
      path,
      query,
      (phase, object, raw) => {
        if (state.closed) state.eventsAfterClose += 1;
        callback(phase, object, raw);
      },
      done,
    );
    opened.push({ path, controller });
    return controller;
  });
  return { opened, state };
}

const managedService = (name: string) =>
  kube.core.createNamespacedService({
    namespace,
    body: { metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cutover' } }, spec: { ports: [{ port: 80 }] } },
  });

beforeAll(async () => {
  kube = createKubeClients(inject('kubeconfigPath'));
  namespace = `wclose-${randomUUID().slice(0, 8)}`;
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
});
afterAll(async () => {
  if (namespace) await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('closing the targets ends the watch cache', () => {
  it('aborts every watch, and delivers nothing after close', async () => {
    const { opened, state } = recordWatches();
    const targets = createTargetDeps({ kube: () => kube, startSupervisor: false, watchKubernetes: true });
    const cache = targets.kubeCache!();
    await cache.watch(namespace);
    await managedService('before');
    await vi.waitFor(() => expect(cache.service(namespace, 'before')).toBeDefined(), { timeout: 5_000 });

    await targets.close();
    state.closed = true;
    await managedService('after');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(opened.map((watch) => watch.path).sort()).toEqual([`/api/v1/namespaces/${namespace}/pods`, `/api/v1/namespaces/${namespace}/services`]);
    expect(opened.every((watch) => watch.controller.signal.aborted)).toBe(true);
    expect(state.eventsAfterClose).toBe(0);
  });

  it('aborts a watch whose start was still under way when close was called', async () => {
    const { opened, state } = recordWatches();
    const targets = createTargetDeps({ kube: () => kube, startSupervisor: false, watchKubernetes: true });
    const cache = targets.kubeCache!();
    // The API starts a namespace's watch without waiting for it; shutdown may come before its lists are in.
    void cache.watch(namespace);
    await targets.close();
    state.closed = true;
    await managedService('during');
    // Whatever the start opens after close has time to open here.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.filter((watch) => !watch.controller.signal.aborted).map((watch) => watch.path)).toEqual([]);
    expect(state.eventsAfterClose).toBe(0);
    // Nor does a namespace asked about after close get a watch.
    await cache.watch(`${namespace}-later`);
    expect(opened.length).toBeLessThanOrEqual(2);
  });
});

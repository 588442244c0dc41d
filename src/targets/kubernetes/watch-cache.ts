import { makeInformer, type Informer, type ObjectCache, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { KubeClients } from './client.ts';
import { managedByLabel } from './objects.ts';

const selector = `${managedByLabel}=cutover`;
/** Pause before a broken watch is listed and watched again. */
const restartDelayMs = 1_000;
/** A watch delivers a write within milliseconds; a remembered write older than this is not trusted. */
const rememberMs = 5_000;

interface NamespaceWatch {
  services: Informer<V1Service> & ObjectCache<V1Service>;
  pods: Informer<V1Pod> & ObjectCache<V1Pod>;
  /** True while both informers hold a complete, current picture. */
  synced: boolean;
  started: Promise<void>;
}

/**
 * Watches (list, then watch) the Services and Pods Cutover manages in each namespace it is asked about, so an
 * operator's switch decides from memory and costs one API call: the patch. Answers only while a namespace's
 * watches are in sync; callers read the API server otherwise. A Service this process has just patched is
 * remembered until its watch catches up, so back-to-back switches never decide on the state before the last.
 */
export class KubeWatchCache {
  private readonly namespaces = new Map<string, NamespaceWatch>();
  private readonly written = new Map<string, { service: V1Service; at: number }>();
  private stopped = false;
  /** Restarts waiting out restartDelayMs after a broken watch; cleared by stop. */
  private readonly restarts = new Set<NodeJS.Timeout>();
  /** Starts under way (a list or a watch request in flight): each opens a watch after it resolves. */
  private readonly starting = new Set<Promise<unknown>>();

  constructor(private readonly clients: KubeClients) {}

  /** Starts watching a namespace (once); resolves when its first lists are in, or they failed. */
  watch(namespace: string): Promise<void> {
    const existing = this.namespaces.get(namespace);
    if (existing) return existing.started;
    if (this.stopped) return Promise.resolve();
    const { config, core } = this.clients;
    const services = makeInformer<V1Service>(
      config,
      `/api/v1/namespaces/${namespace}/services`,
      () => core.listNamespacedService({ namespace, labelSelector: selector }),
      selector,
    );
    const pods = makeInformer<V1Pod>(
      config,
      `/api/v1/namespaces/${namespace}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector: selector }),
      selector,
    );
    const entry: NamespaceWatch = { services, pods, synced: false, started: Promise.resolve() };
    for (const informer of [services, pods] as const) {
      informer.on('error', () => {
        entry.synced = false;
        if (this.stopped) return;
        const timer = setTimeout(() => {
          this.restarts.delete(timer);
          if (this.stopped) return;
          void this.track(informer.start().then(() => void (entry.synced = true)));
        }, restartDelayMs);
        timer.unref();
        this.restarts.add(timer);
      });
    }
    services.on('change', (service) => {
      const key = `${namespace}/${service.metadata?.name}`;
      if (this.written.get(key)?.service.metadata?.resourceVersion === service.metadata?.resourceVersion) this.written.delete(key);
    });
    entry.started = this.track(Promise.all([services.start(), pods.start()]).then(() => void (entry.synced = true)));
    this.namespaces.set(namespace, entry);
    return entry.started;
  }

  /** The Service as last seen, or undefined when the namespace is not in sync or has no such managed Service. */
  service(namespace: string, name: string): V1Service | undefined {
    const entry = this.namespaces.get(namespace);
    if (!entry?.synced) return undefined;
    const written = this.written.get(`${namespace}/${name}`);
    if (written && Date.now() - written.at < rememberMs) return written.service;
    return entry.services.get(name, namespace);
  }

  /** The managed pods matching every label given, or undefined when the namespace is not in sync. */
  pods(namespace: string, labels: Record<string, string>): V1Pod[] | undefined {
    const entry = this.namespaces.get(namespace);
    if (!entry?.synced) return undefined;
    return entry.pods.list(namespace).filter((pod) => Object.entries(labels).every(([key, value]) => pod.metadata?.labels?.[key] === value));
  }

  /** Records a Service this process has just written, until the watch delivers that version. */
  remember(service: V1Service): void {
    const { namespace, name, resourceVersion } = service.metadata ?? {};
    if (!namespace || !name) return;
    // The watch may have delivered the write before its response arrived here: then there is nothing to bridge.
    if (this.namespaces.get(namespace)?.services.get(name, namespace)?.metadata?.resourceVersion === resourceVersion) return;
    this.written.set(`${namespace}/${name}`, { service, at: Date.now() });
  }

  /** Ends every watch this cache opened; later calls to watch() start none. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    const informers = [...this.namespaces.values()].flatMap((entry) => [entry.services, entry.pods]);
    await Promise.all(informers.map((informer) => informer.stop()));
    // An informer stopped mid-start still opens its watch once its list (or the watch request) returns: wait for
    // the starts under way, then stop again, which aborts what they opened.
    while (this.starting.size > 0) await Promise.all([...this.starting]);
    await Promise.all(informers.map((informer) => informer.stop()));
    this.namespaces.clear();
  }

  /** Keeps a start in `starting` until it settles; the returned promise never rejects (a failed start is retried on 'error'). */
  private track(start: Promise<void>): Promise<void> {
    const settled = start.catch(() => undefined);
    this.starting.add(settled);
    void settled.then(() => this.starting.delete(settled));
    return settled;
  }
}

import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { Scope } from '../../bindings/scope.ts';
import type { KubernetesServiceDefinition } from '../../services/definition.ts';
import { checkOwner, ownerLabels } from '../ownership.ts';
import type { ClaimOptions, ColorHealth, ReleaseTarget, RolloutStatus } from '../target.ts';
import { colors, type Color } from '../../workflows/lib/colors.ts';
import { isConflict, isNotFound, type KubeClients } from './client.ts';
import {
  colorDeployment,
  colorLabel,
  colorService,
  deploymentName,
  previewServiceName,
  versionAnnotation,
} from './objects.ts';
import { rolloutStatus } from './rollout-status.ts';
import type { KubeWatchCache } from './watch-cache.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function selectedColor(service: V1Service): Color | undefined {
  const value = service.spec?.selector?.[colorLabel];
  return colors.find((color) => color === value);
}

/**
 * Blue-green operations on one service's Kubernetes objects; each is idempotent. With a watch cache (the API's
 * instant switches) reads come from memory while it is in sync, and the API server otherwise. Every object it
 * writes carries the owner's labels, and it reads an object before it changes it: one that belongs to another
 * workspace or environment, or that Cutover did not make, is refused (OwnedElsewhereError), never adopted.
 */
export class KubernetesBlueGreen implements ReleaseTarget {
  constructor(
    private readonly clients: KubeClients,
    private readonly owner: Scope,
    private readonly service: string,
    private readonly definition: KubernetesServiceDefinition,
    private readonly cache?: KubeWatchCache,
  ) {}

  /** Set once the API server refused a write decided on cached state: from then on this instance reads live. */
  private cacheProvedStale = false;

  private get namespace() {
    return this.definition.namespace;
  }

  /** A Service as the cache has it, else as the API server has it; undefined when it does not exist. */
  private async readService(name: string, fresh = false): Promise<V1Service | undefined> {
    const cached = fresh || this.cacheProvedStale ? undefined : this.cache?.service(this.namespace, name);
    if (cached) return cached;
    try {
      return await this.clients.core.readNamespacedService({ name, namespace: this.namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`failed to read Service ${this.namespace}/${name}`, { cause: error });
    }
  }

  /** A Deployment as the API server has it; undefined when it does not exist. */
  private async readDeployment(name: string): Promise<V1Deployment | undefined> {
    try {
      return await this.clients.apps.readNamespacedDeployment({ name, namespace: this.namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`failed to read Deployment ${this.namespace}/${name}`, { cause: error });
    }
  }

  /** 'owned' or 'legacy' (an older Cutover's, adopted: the next write labels it); throws OwnedElsewhereError otherwise. */
  private ownership(kind: 'Deployment' | 'Service', object: V1Deployment | V1Service) {
    return checkOwner({ kind, namespace: this.namespace, name: object.metadata?.name ?? '' }, object.metadata?.labels, this.owner);
  }

  /** Checks, before a release changes anything, that each of the service's objects that exists is the owner's to change. */
  async claim(options: ClaimOptions = {}): Promise<void> {
    const services = [previewServiceName(this.service), ...(options.stable === false ? [] : [this.service])];
    await Promise.all([
      ...colors.map(async (color) => {
        const deployment = await this.readDeployment(deploymentName(this.service, color));
        if (deployment) this.ownership('Deployment', deployment);
      }),
      ...services.map(async (name) => {
        const service = await this.readService(name, true);
        if (service) this.ownership('Service', service);
      }),
    ]);
  }

  /** The colour the stable Service selects; undefined before the first release (or when the Service is not the owner's). */
  async activeColor(): Promise<Color | undefined> {
    const service = await this.readService(this.service);
    if (!service) return undefined;
    this.ownership('Service', service);
    return selectedColor(service);
  }

  /** Sets the image and version on a colour and scales it to full size, creating its Deployment if missing. */
  async deploy(color: Color, image: string, version: string): Promise<void> {
    const name = deploymentName(this.service, color);
    const body = colorDeployment(this.service, color, this.definition, image, this.definition.replicas, this.owner);
    body.metadata = { ...body.metadata, annotations: { [versionAnnotation]: version } };
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.readDeployment(name);
      if (!current) {
        try {
          await this.clients.apps.createNamespacedDeployment({ namespace: this.namespace, body });
          return;
        } catch (error) {
          // Created meanwhile (by whom is read next time round).
          if (isConflict(error) && attempt < 3) continue;
          throw new Error(`failed to create Deployment ${this.namespace}/${name}`, { cause: error });
        }
      }
      this.ownership('Deployment', current);
      // The other colour of an earlier release (or an older Cutover's, which gets the owner labels now): patch what
      // a release changes, under the resourceVersion whose labels were just checked. A JSON merge patch replaces
      // lists whole, so an env var or a port the definition dropped leaves the container (a strategic merge patch
      // merges containers, env and ports by key and only ever adds).
      try {
        await this.clients.apps.patchNamespacedDeployment(
          {
            name,
            namespace: this.namespace,
            body: {
              metadata: { resourceVersion: current.metadata?.resourceVersion, labels: ownerLabels(this.owner), annotations: { [versionAnnotation]: version } },
              spec: { replicas: this.definition.replicas, template: body.spec?.template },
            },
          },
          mergePatch,
        );
        return;
      } catch (error) {
        if (isConflict(error) && attempt < 3) continue;
        throw new Error(`failed to update Deployment ${this.namespace}/${name}`, { cause: error });
      }
    }
  }

  async rollout(color: Color): Promise<RolloutStatus> {
    const deployment = await this.clients.apps.readNamespacedDeployment({
      name: deploymentName(this.service, color),
      namespace: this.namespace,
    });
    return rolloutStatus(deployment);
  }

  /** The version a colour runs, from its Deployment's annotation; undefined when it has none. */
  async versionOf(color: Color): Promise<{ version?: string; replicas: number } | undefined> {
    try {
      const deployment = await this.clients.apps.readNamespacedDeployment({
        name: deploymentName(this.service, color),
        namespace: this.namespace,
      });
      return { version: deployment.metadata?.annotations?.[versionAnnotation], replicas: deployment.spec?.replicas ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Points the stable (or preview) Service at a colour; returns false when it already did. The patch carries
   * the resourceVersion it decided on (and checked the owner of), so a Service changed meanwhile (or a stale
   * cache) is read again.
   */
  async select(role: 'stable' | 'preview', color: Color): Promise<boolean> {
    const name = role === 'stable' ? this.service : previewServiceName(this.service);
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.readService(name, attempt > 0);
      if (!current) {
        try {
          await this.clients.core.createNamespacedService({ namespace: this.namespace, body: colorService(this.service, role, color, this.definition, this.owner) });
          return true;
        } catch (error) {
          if (isConflict(error) && attempt < 3) continue;
          throw new Error(`failed to create Service ${this.namespace}/${name}`, { cause: error });
        }
      }
      const legacy = this.ownership('Service', current) === 'legacy';
      if (selectedColor(current) === color && !legacy) return false;
      try {
        const patched = await this.clients.core.patchNamespacedService(
          {
            name,
            namespace: this.namespace,
            body: {
              metadata: { resourceVersion: current.metadata?.resourceVersion, labels: ownerLabels(this.owner) },
              spec: { selector: { app: this.service, [colorLabel]: color } },
            },
          },
          mergePatch,
        );
        // The API server answers with the object it stored: that is the verification.
        if (selectedColor(patched) !== color) throw new Error(`Service ${this.namespace}/${name} did not take the ${color} selector`);
        this.cache?.remember(patched);
        // An adopted Service that already selected the colour was only labelled: traffic did not move.
        return selectedColor(current) !== color;
      } catch (error) {
        if (!isConflict(error) || attempt >= 3) throw new Error(`failed to point Service ${this.namespace}/${name} at ${color}`, { cause: error });
        this.cacheProvedStale = true;
      }
    }
  }

  /** Scales a colour; a missing Deployment is already at zero. Another owner's Deployment is refused. */
  async scale(color: Color, replicas: number): Promise<void> {
    const name = deploymentName(this.service, color);
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.readDeployment(name);
      if (!current) return;
      const legacy = this.ownership('Deployment', current) === 'legacy';
      if (current.spec?.replicas === replicas && !legacy) return;
      // An older Cutover's Deployment gets the owner labels with the change.
      const metadata = { resourceVersion: current.metadata?.resourceVersion, ...(legacy ? { labels: ownerLabels(this.owner) } : {}) };
      try {
        await this.clients.apps.patchNamespacedDeployment({ name, namespace: this.namespace, body: { metadata, spec: { replicas } } }, mergePatch);
        return;
      } catch (error) {
        if (isNotFound(error)) return;
        if (isConflict(error) && attempt < 3) continue;
        throw new Error(`failed to scale ${this.namespace}/${name}`, { cause: error });
      }
    }
  }

  /** Ready pods and container restarts of a colour. */
  async podHealth(color: Color): Promise<ColorHealth> {
    const cached = this.cacheProvedStale ? undefined : this.cache?.pods(this.namespace, { app: this.service, [colorLabel]: color });
    const fromCache = cached && countPods(cached);
    // The cache holds only pods labelled as Cutover's, so it may confirm ready pods but never deny them.
    if (fromCache && fromCache.ready > 0) return fromCache;
    const pods = await this.clients.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `app=${this.service},${colorLabel}=${color}` });
    return countPods(pods.items);
  }
}

function countPods(pods: V1Pod[]): ColorHealth {
  let ready = 0;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')) ready += 1;
    for (const container of pod.status?.containerStatuses ?? []) restarts += container.restartCount;
  }
  return { pods: pods.length, ready, restarts };
}

import { PatchStrategy, setHeaderOptions, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { KubernetesServiceDefinition } from '../../services/definition.ts';
import type { ColorHealth, ReleaseTarget, RolloutStatus } from '../target.ts';
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
const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

function selectedColor(service: V1Service): Color | undefined {
  const value = service.spec?.selector?.[colorLabel];
  return colors.find((color) => color === value);
}

/**
 * Blue-green operations on one service's Kubernetes objects; each is idempotent. With a watch cache (the API's
 * instant switches) reads come from memory while it is in sync, and the API server otherwise.
 */
export class KubernetesBlueGreen implements ReleaseTarget {
  constructor(
    private readonly clients: KubeClients,
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

  /** The colour the stable Service selects; undefined before the first release. */
  async activeColor(): Promise<Color | undefined> {
    const service = await this.readService(this.service);
    return service && selectedColor(service);
  }

  /** Sets the image and version on a colour and scales it to full size, creating its Deployment if missing. */
  async deploy(color: Color, image: string, version: string): Promise<void> {
    const name = deploymentName(this.service, color);
    const body = colorDeployment(this.service, color, this.definition, image, this.definition.replicas);
    body.metadata = { ...body.metadata, annotations: { [versionAnnotation]: version } };
    try {
      await this.clients.apps.createNamespacedDeployment({ namespace: this.namespace, body });
      return;
    } catch (error) {
      if (!isConflict(error)) throw new Error(`failed to create Deployment ${this.namespace}/${name}`, { cause: error });
    }
    // It exists (adopted, or the other colour of an earlier release): patch what a release changes.
    await this.clients.apps.patchNamespacedDeployment(
      {
        name,
        namespace: this.namespace,
        body: {
          metadata: { annotations: { [versionAnnotation]: version } },
          spec: { replicas: this.definition.replicas, template: body.spec?.template },
        },
      },
      strategicMergePatch,
    );
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
   * the resourceVersion it decided on, so a Service changed meanwhile (or a stale cache) is read again.
   */
  async select(role: 'stable' | 'preview', color: Color): Promise<boolean> {
    const name = role === 'stable' ? this.service : previewServiceName(this.service);
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.readService(name, attempt > 0);
      if (!current) {
        await this.clients.core.createNamespacedService({ namespace: this.namespace, body: colorService(this.service, role, color, this.definition) });
        return true;
      }
      if (selectedColor(current) === color) return false;
      try {
        const patched = await this.clients.core.patchNamespacedService(
          {
            name,
            namespace: this.namespace,
            body: {
              metadata: { resourceVersion: current.metadata?.resourceVersion },
              spec: { selector: { app: this.service, [colorLabel]: color } },
            },
          },
          mergePatch,
        );
        // The API server answers with the object it stored: that is the verification.
        if (selectedColor(patched) !== color) throw new Error(`Service ${this.namespace}/${name} did not take the ${color} selector`);
        this.cache?.remember(patched);
        return true;
      } catch (error) {
        if (!isConflict(error) || attempt >= 3) throw new Error(`failed to point Service ${this.namespace}/${name} at ${color}`, { cause: error });
        this.cacheProvedStale = true;
      }
    }
  }

  /** Scales a colour; a missing Deployment is already at zero. */
  async scale(color: Color, replicas: number): Promise<void> {
    try {
      await this.clients.apps.patchNamespacedDeployment(
        { name: deploymentName(this.service, color), namespace: this.namespace, body: { spec: { replicas } } },
        mergePatch,
      );
    } catch (error) {
      if (!isNotFound(error)) throw new Error(`failed to scale ${this.service}-${color}`, { cause: error });
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

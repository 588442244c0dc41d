import { PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import type { ServiceDefinition } from '../../services/definition.ts';
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
import { rolloutStatus, type RolloutStatus } from './rollout-status.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

function selectedColor(service: V1Service): Color | undefined {
  const value = service.spec?.selector?.[colorLabel];
  return colors.find((color) => color === value);
}

/** Blue-green operations on one service's Kubernetes objects; each is idempotent. */
export class KubernetesBlueGreen {
  constructor(
    private readonly clients: KubeClients,
    private readonly service: string,
    private readonly definition: ServiceDefinition,
  ) {}

  private get namespace() {
    return this.definition.namespace;
  }

  /** The colour the stable Service selects; undefined before the first release. */
  async activeColor(): Promise<Color | undefined> {
    try {
      return selectedColor(await this.clients.core.readNamespacedService({ name: this.service, namespace: this.namespace }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`failed to read Service ${this.namespace}/${this.service}`, { cause: error });
    }
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

  /** Points the stable (or preview) Service at a colour; returns false when it already did. */
  async select(role: 'stable' | 'preview', color: Color): Promise<boolean> {
    const name = role === 'stable' ? this.service : previewServiceName(this.service);
    let current: V1Service;
    try {
      current = await this.clients.core.readNamespacedService({ name, namespace: this.namespace });
    } catch (error) {
      if (!isNotFound(error)) throw new Error(`failed to read Service ${this.namespace}/${name}`, { cause: error });
      await this.clients.core.createNamespacedService({
        namespace: this.namespace,
        body: colorService(this.service, role, color, this.definition),
      });
      return true;
    }
    if (selectedColor(current) === color) return false;
    const patched = await this.clients.core.patchNamespacedService(
      { name, namespace: this.namespace, body: { spec: { selector: { app: this.service, [colorLabel]: color } } } },
      mergePatch,
    );
    if (selectedColor(patched) !== color) throw new Error(`Service ${this.namespace}/${name} did not take the ${color} selector`);
    return true;
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
  async podHealth(color: Color): Promise<{ pods: number; ready: number; restarts: number }> {
    const pods = await this.clients.core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `app=${this.service},${colorLabel}=${color}`,
    });
    let ready = 0;
    let restarts = 0;
    for (const pod of pods.items) {
      if (pod.metadata?.deletionTimestamp) continue;
      if (pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')) ready += 1;
      for (const container of pod.status?.containerStatuses ?? []) restarts += container.restartCount;
    }
    return { pods: pods.items.length, ready, restarts };
  }
}

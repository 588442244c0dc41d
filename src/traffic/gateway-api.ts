import { PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import type { Scope } from '../bindings/scope.ts';
import type { KubernetesServiceDefinition } from '../services/definition.ts';
import { isConflict, isNotFound, type KubeClients } from '../targets/kubernetes/client.ts';
import { colorLabel } from '../targets/kubernetes/objects.ts';
import { checkOwner, ownerLabels, workspaceLabel } from '../targets/ownership.ts';
import { colors, type Color } from '../workflows/lib/colors.ts';
import { sameWeights, type ColorWeights, type TrafficRouter } from './router.ts';

const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The part of an HTTPRoute this provider reads and writes. */
interface HttpRoute {
  metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: { rules?: Array<{ backendRefs?: Array<{ name: string; port?: number; weight?: number }> }> };
}

type GatewayTraffic = Extract<KubernetesServiceDefinition['traffic'], { provider: 'gateway-api' }>;

/** The Service that reaches one colour only: the HTTPRoute's backend for it. */
export function colorBackendName(service: string, color: Color): string {
  return `${service}-${color}`;
}

/**
 * A Gateway API HTTPRoute named like the service, with one rule whose two backendRefs (a Service per colour)
 * carry the weights: any split. Cutover creates the route and the colour Services when they are missing and
 * owns the route's rules; a change is one merge patch guarded by the resourceVersion it read. A route or colour
 * Service of another workspace or environment, or one Cutover did not make, is refused (OwnedElsewhereError).
 */
export class GatewayApiRouter implements TrafficRouter {
  readonly type = 'gateway-api';
  readonly capabilities = { partialWeights: true };

  constructor(
    private readonly clients: KubeClients,
    private readonly owner: Scope,
    private readonly service: string,
    private readonly definition: KubernetesServiceDefinition,
    private readonly config: GatewayTraffic,
  ) {}

  /** Checks that the route and the colour Services, where they exist, are the owner's to change. */
  async claim(): Promise<void> {
    await Promise.all([this.read(), ...colors.map((color) => this.readColorService(colorBackendName(this.service, color)))]);
  }

  private get namespace() {
    return this.definition.namespace;
  }

  private get port() {
    return this.definition.ports[0]?.port ?? 80;
  }

  async weights(): Promise<ColorWeights | undefined> {
    const route = await this.read();
    return route && weightsOf(route, this.service);
  }

  async setWeights(weights: ColorWeights): Promise<ColorWeights> {
    for (let attempt = 0; ; attempt += 1) {
      const route = await this.read();
      if (!route) {
        // The colour Services come with the route: a change of weights is then one read and one patch.
        await this.ensureColorServices();
        try {
          const created = (await this.clients.custom.createNamespacedCustomObject({ ...httpRoutes, namespace: this.namespace, body: this.route(weights) })) as HttpRoute;
          return this.verified(created, weights);
        } catch (error) {
          if (isConflict(error) && attempt < 3) continue;
          throw new Error(`failed to create HTTPRoute ${this.namespace}/${this.service}`, { cause: error });
        }
      }
      // read() has checked the owner; an older Cutover's route is labelled with this patch.
      if (sameWeights(weightsOf(route, this.service), weights) && route.metadata?.labels?.[workspaceLabel] !== undefined) return weights;
      try {
        const patched = (await this.clients.custom.patchNamespacedCustomObject(
          {
            ...httpRoutes,
            namespace: this.namespace,
            name: this.service,
            body: { metadata: { resourceVersion: route.metadata?.resourceVersion, labels: ownerLabels(this.owner) }, spec: { rules: this.rules(weights) } },
          },
          mergePatch,
        )) as HttpRoute;
        return this.verified(patched, weights);
      } catch (error) {
        // Changed since we read it: read again and decide again.
        if (isConflict(error) && attempt < 3) continue;
        throw new Error(`failed to set the weights of HTTPRoute ${this.namespace}/${this.service}`, { cause: error });
      }
    }
  }

  async verifyWeights(weights: ColorWeights): Promise<boolean> {
    return sameWeights(await this.weights(), weights);
  }

  /** The API server answers a write with the object it stored: its weights must be the ones asked for. */
  private verified(route: HttpRoute, weights: ColorWeights): ColorWeights {
    const stored = weightsOf(route, this.service);
    if (!sameWeights(stored, weights)) throw new Error(`HTTPRoute ${this.namespace}/${this.service} stored ${JSON.stringify(stored)}, not ${JSON.stringify(weights)}`);
    return weights;
  }

  /** The route, once its owner is checked; undefined when it does not exist. */
  private async read(): Promise<HttpRoute | undefined> {
    let route: HttpRoute;
    try {
      route = (await this.clients.custom.getNamespacedCustomObject({ ...httpRoutes, namespace: this.namespace, name: this.service })) as HttpRoute;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`failed to read HTTPRoute ${this.namespace}/${this.service}`, { cause: error });
    }
    checkOwner({ kind: 'HTTPRoute', namespace: this.namespace, name: this.service }, route.metadata?.labels, this.owner);
    return route;
  }

  /** A colour Service, once its owner is checked; undefined when it does not exist. */
  private async readColorService(name: string): Promise<V1Service | undefined> {
    let service: V1Service;
    try {
      service = await this.clients.core.readNamespacedService({ name, namespace: this.namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`failed to read Service ${this.namespace}/${name}`, { cause: error });
    }
    checkOwner({ kind: 'Service', namespace: this.namespace, name }, service.metadata?.labels, this.owner);
    return service;
  }

  private rules(weights: ColorWeights) {
    return [{ backendRefs: colors.map((color) => ({ name: colorBackendName(this.service, color), port: this.port, weight: weights[color] })) }];
  }

  private route(weights: ColorWeights) {
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: this.service, namespace: this.namespace, labels: { app: this.service, ...ownerLabels(this.owner) } },
      spec: {
        parentRefs: [{ name: this.config.gateway.name, ...(this.config.gateway.namespace ? { namespace: this.config.gateway.namespace } : {}) }],
        ...(this.config.hostnames ? { hostnames: this.config.hostnames } : {}),
        rules: this.rules(weights),
      },
    };
  }

  /** One Service per colour, selecting only that colour's pods (created once, then left alone but for adoption). */
  private async ensureColorServices(): Promise<void> {
    await Promise.all(
      colors.map(async (color) => {
        const name = colorBackendName(this.service, color);
        const existing = await this.readColorService(name);
        if (existing) return this.adopt(existing);
        const body: V1Service = {
          metadata: { name, namespace: this.namespace, labels: { app: this.service, ...ownerLabels(this.owner) } },
          spec: {
            selector: { app: this.service, [colorLabel]: color },
            ports: this.definition.ports.map((port) => ({ name: port.name, port: port.port, targetPort: port.targetPort ?? port.port })),
          },
        };
        try {
          await this.clients.core.createNamespacedService({ namespace: this.namespace, body });
        } catch (error) {
          if (!isConflict(error)) throw new Error(`failed to create Service ${this.namespace}/${name}`, { cause: error });
          // Created meanwhile: by this owner, or refused here.
          const raced = await this.readColorService(name);
          if (raced) await this.adopt(raced);
        }
      }),
    );
  }

  /** Labels an older Cutover's colour Service (its owner was checked when it was read) under its resourceVersion. */
  private async adopt(service: V1Service): Promise<void> {
    if (service.metadata?.labels?.[workspaceLabel] !== undefined) return;
    await this.clients.core.patchNamespacedService(
      { name: service.metadata?.name ?? '', namespace: this.namespace, body: { metadata: { resourceVersion: service.metadata?.resourceVersion, labels: ownerLabels(this.owner) } } },
      mergePatch,
    );
  }
}

function weightsOf(route: HttpRoute, service: string): ColorWeights | undefined {
  const refs = route.spec?.rules?.[0]?.backendRefs ?? [];
  const weightOf = (color: Color) => refs.find((ref) => ref.name === colorBackendName(service, color))?.weight;
  const blue = weightOf('blue');
  const green = weightOf('green');
  // A backendRef without a weight has the default weight 1 (Gateway API); none at all means no split of ours.
  if (blue === undefined && green === undefined) return undefined;
  return { blue: blue ?? 1, green: green ?? 1 };
}

import { PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import type { KubernetesServiceDefinition } from '../services/definition.ts';
import { isConflict, isNotFound, type KubeClients } from '../targets/kubernetes/client.ts';
import { colorLabel, managedByLabel } from '../targets/kubernetes/objects.ts';
import { colors, type Color } from '../workflows/lib/colors.ts';
import { sameWeights, type ColorWeights, type TrafficRouter } from './router.ts';

const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The part of an HTTPRoute this provider reads and writes. */
interface HttpRoute {
  metadata?: { name?: string; resourceVersion?: string };
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
 * owns the route's rules; a change is one merge patch guarded by the resourceVersion it read.
 */
export class GatewayApiRouter implements TrafficRouter {
  readonly type = 'gateway-api';
  readonly capabilities = { partialWeights: true };

  constructor(
    private readonly clients: KubeClients,
    private readonly service: string,
    private readonly definition: KubernetesServiceDefinition,
    private readonly config: GatewayTraffic,
  ) {}

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
      if (sameWeights(weightsOf(route, this.service), weights)) return weights;
      try {
        const patched = (await this.clients.custom.patchNamespacedCustomObject(
          {
            ...httpRoutes,
            namespace: this.namespace,
            name: this.service,
            body: { metadata: { resourceVersion: route.metadata?.resourceVersion }, spec: { rules: this.rules(weights) } },
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

  private async read(): Promise<HttpRoute | undefined> {
    try {
      return (await this.clients.custom.getNamespacedCustomObject({ ...httpRoutes, namespace: this.namespace, name: this.service })) as HttpRoute;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new Error(`failed to read HTTPRoute ${this.namespace}/${this.service}`, { cause: error });
    }
  }

  private rules(weights: ColorWeights) {
    return [{ backendRefs: colors.map((color) => ({ name: colorBackendName(this.service, color), port: this.port, weight: weights[color] })) }];
  }

  private route(weights: ColorWeights) {
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: this.service, namespace: this.namespace, labels: { app: this.service, [managedByLabel]: 'cutover' } },
      spec: {
        parentRefs: [{ name: this.config.gateway.name, ...(this.config.gateway.namespace ? { namespace: this.config.gateway.namespace } : {}) }],
        ...(this.config.hostnames ? { hostnames: this.config.hostnames } : {}),
        rules: this.rules(weights),
      },
    };
  }

  /** One Service per colour, selecting only that colour's pods (created once, then left alone). */
  private async ensureColorServices(): Promise<void> {
    await Promise.all(
      colors.map(async (color) => {
        const body: V1Service = {
          metadata: { name: colorBackendName(this.service, color), namespace: this.namespace, labels: { app: this.service, [managedByLabel]: 'cutover' } },
          spec: {
            selector: { app: this.service, [colorLabel]: color },
            ports: this.definition.ports.map((port) => ({ name: port.name, port: port.port, targetPort: port.targetPort ?? port.port })),
          },
        };
        try {
          await this.clients.core.createNamespacedService({ namespace: this.namespace, body });
        } catch (error) {
          if (!isConflict(error)) throw new Error(`failed to create Service ${this.namespace}/${body.metadata?.name}`, { cause: error });
        }
      }),
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

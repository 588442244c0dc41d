import type { Scope } from '../bindings/scope.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import { KubernetesBlueGreen } from '../targets/kubernetes/blue-green.ts';
import { LocalBlueGreen } from '../targets/local/blue-green.ts';
import type { TargetDeps } from '../targets/registry.ts';
import type { TrafficConfig } from './schema.ts';
import { GatewayApiRouter } from './gateway-api.ts';
import { LocalProxyRouter } from './local-proxy.ts';
import type { TrafficRouter } from './router.ts';
import { ServiceSelectorRouter } from './service-selector.ts';

type Provider = TrafficConfig['provider'];
type Factory = (deps: TargetDeps, owner: Scope, service: string, definition: ServiceDefinition) => TrafficRouter;

function kubernetes(definition: ServiceDefinition) {
  if (definition.target !== 'kubernetes') throw new Error(`the ${definition.traffic.provider} provider needs a Kubernetes service`);
  return definition;
}

/** One factory per `traffic.provider` of the definition (a zod discriminated union): no if-chains elsewhere. */
const providers: Record<Provider, Factory> = {
  'service-selector': (deps, owner, service, definition) =>
    new ServiceSelectorRouter(new KubernetesBlueGreen(deps.kube(), owner, service, kubernetes(definition), deps.kubeCache?.())),
  'gateway-api': (deps, owner, service, definition) => {
    const kube = kubernetes(definition);
    if (kube.traffic.provider !== 'gateway-api') throw new Error('not a gateway-api definition');
    return new GatewayApiRouter(deps.kube(), owner, service, kube, kube.traffic);
  },
  'local-proxy': (deps, owner, service, definition) => {
    if (definition.target !== 'local') throw new Error('the local-proxy provider needs a local service');
    return new LocalProxyRouter(new LocalBlueGreen(deps.local, owner, service, definition));
  },
};

/** The traffic router a service's definition names, acting for `owner` (the workspace environment of the service). */
export function trafficRouter(deps: TargetDeps, owner: Scope, service: string, definition: ServiceDefinition): TrafficRouter {
  const make = providers[definition.traffic.provider];
  return make(deps, owner, service, definition);
}

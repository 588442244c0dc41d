import type { V1Container, V1Deployment, V1Probe, V1Service } from '@kubernetes/client-node';
import type { Scope } from '../../bindings/scope.ts';
import type { KubernetesServiceDefinition } from '../../services/definition.ts';
import type { Color } from '../../workflows/lib/colors.ts';
import { ownerLabels } from '../ownership.ts';

export { managedByLabel } from '../ownership.ts';
export const colorLabel = 'cutover.dev/color';
/** Annotation on a colour's Deployment: the release version it runs. */
export const versionAnnotation = 'cutover.dev/version';

export function deploymentName(service: string, color: Color): string {
  return `${service}-${color}`;
}

export function previewServiceName(service: string): string {
  return `${service}-preview`;
}

function probe(spec: { path: string; port: number; periodSeconds: number } | undefined): V1Probe | undefined {
  return spec && { httpGet: { path: spec.path, port: spec.port }, periodSeconds: spec.periodSeconds };
}

/** The container of a colour, as the definition describes it, running `image`. */
export function containerFor(service: string, definition: KubernetesServiceDefinition, image: string): V1Container {
  return {
    name: service,
    image,
    ports: definition.ports.map((port) => ({ containerPort: port.targetPort ?? port.port, name: port.name })),
    env: Object.entries(definition.env).map(([name, value]) => ({ name, value })),
    resources: definition.resources,
    readinessProbe: probe(definition.probes?.readiness),
    livenessProbe: probe(definition.probes?.liveness),
  };
}

/** A colour's Deployment; created at zero replicas so a new standby takes no capacity until a release. */
export function colorDeployment(
  service: string,
  color: Color,
  definition: KubernetesServiceDefinition,
  image: string,
  replicas: number,
  owner: Scope,
): V1Deployment {
  // The pods carry the owner too; the selector stays app and colour (it is immutable, and older Cutovers set it so).
  const labels = { app: service, [colorLabel]: color, ...ownerLabels(owner) };
  return {
    metadata: { name: deploymentName(service, color), namespace: definition.namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: service, [colorLabel]: color } },
      template: { metadata: { labels }, spec: { containers: [containerFor(service, definition, image)] } },
    },
  };
}

/** The stable Service (`<svc>`) or the preview Service (`<svc>-preview`), selecting one colour. */
export function colorService(service: string, role: 'stable' | 'preview', color: Color, definition: KubernetesServiceDefinition, owner: Scope): V1Service {
  return {
    metadata: {
      name: role === 'stable' ? service : previewServiceName(service),
      namespace: definition.namespace,
      labels: { app: service, ...ownerLabels(owner) },
    },
    spec: {
      selector: { app: service, [colorLabel]: color },
      ports: definition.ports.map((port) => ({ name: port.name, port: port.port, targetPort: port.targetPort ?? port.port })),
    },
  };
}

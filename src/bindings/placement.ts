import type { ServiceDefinition } from '../services/definition.ts';
import type { Violation } from './check.ts';
import type { ResolvedBinding } from './policy.ts';

// Where a service's objects are: its namespace on Kubernetes, its four ports on the local target. Instant switches,
// traffic moves, scaling, retirement and reads touch those objects and nothing else the definition names, so they
// check this much again before they act — the ownership labels on the objects cannot say it, as they do not
// follow a rebinding. The same rules and messages as checkDefinition's (check.ts), written out here rather than
// taken by filtering its answer: a renamed path or rule there must not let a placement through.

/** Each part of the definition's placement that its binding (of the definition's target kind) does not grant. */
export function checkPlacement(definition: ServiceDefinition, binding: ResolvedBinding, at = 'definition'): Violation[] {
  const { policy } = binding;
  if (definition.target === 'kubernetes') {
    if (policy.namespaces.includes(definition.namespace)) return [];
    const bound = policy.namespaces.length === 0 ? 'none' : policy.namespaces.join(', ');
    return [
      {
        path: `${at}.namespace`,
        rule: 'namespace-not-bound',
        message: `namespace ${definition.namespace} is not bound to this workspace environment (bound: ${bound})`,
      },
    ];
  }
  const { local } = definition;
  const range = policy.localPorts;
  const ports: Array<[string, number]> = [
    ['port', local.port],
    ['previewPort', local.previewPort],
    ['colorPorts.blue', local.colorPorts.blue],
    ['colorPorts.green', local.colorPorts.green],
  ];
  return ports
    .filter(([, port]) => !range || port < range.from || port > range.to)
    .map(([field, port]) => ({
      path: `${at}.local.${field}`,
      rule: 'port-outside-range',
      message: `port ${port} is outside the binding's local port range (${range ? `${range.from}-${range.to}` : 'none'})`,
    }));
}

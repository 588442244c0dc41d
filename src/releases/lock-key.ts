import type { ServiceDefinition } from '../services/definition.ts';

/**
 * The release lock's key: the identity of the objects a release of the service changes, not who releases it.
 * On Kubernetes they are `<service>-<colour>` and `<service>` in one namespace; on this machine, the proxy's
 * public port. Release starts, instant switches and retirements take this lock, so two workspaces (or two
 * environments) whose definitions name the same objects exclude each other. Pure: workflows may call it.
 */
export function releaseLockKey(service: string, definition: ServiceDefinition): string {
  if (definition.target === 'local') return `local/${definition.local.port}`;
  return `kubernetes/${definition.namespace}/${service}`;
}

import { call, type Connection } from './client.ts';
import { CliError, exitCodes } from './exit-codes.ts';
import type { Deployment } from './live/state.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const activeStatuses = new Set(['pending', 'in_progress', 'awaiting_approval', 'paused']);

export const isDeploymentId = (text: string) => uuidPattern.test(text);
export const isActive = (deployment: Deployment) => activeStatuses.has(deployment.status);

export async function getDeployment(connection: Connection, id: string) {
  return call(connection, () => connection.api.GET('/deployments/{id}', { params: { path: { id } } }));
}

/**
 * A deployment named by its id, or a service's newest deployment in `env`; with `running`, only one that has not
 * ended (the target of approve, abort, promote …).
 */
export async function resolveDeployment(
  connection: Connection,
  target: string,
  env: string | undefined,
  options: { running?: boolean } = {},
): Promise<Deployment> {
  let deployment: Deployment;
  if (isDeploymentId(target)) {
    deployment = await getDeployment(connection, target);
  } else {
    if (!env) throw new CliError(`a service name needs --env ENVIRONMENT (or give a deployment id)`, exitCodes.usage);
    const page = await call(connection, () =>
      connection.api.GET('/deployments', { params: { query: { service: target, environment: env, limit: 1 } } }),
    );
    const newest = page.items[0];
    if (!newest) throw new CliError(`no deployment of ${target} in ${env}`, exitCodes.api);
    deployment = newest;
  }
  if (options.running && !isActive(deployment)) {
    throw new CliError(`no release of ${deployment.service} in ${deployment.environment} is running (the newest, ${deployment.id}, is ${deployment.status})`, exitCodes.api);
  }
  return deployment;
}

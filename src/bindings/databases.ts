import type { ResolvedBinding } from './policy.ts';

/** A database a binding does not grant, or whose URL the worker does not have. */
export class DatabaseGrantError extends Error {}

/**
 * The URL of a database connection a binding grants: a variable of the worker's environment named in the
 * binding, or the platform's own database where a platform admin granted it on purpose. A definition never
 * names a variable of the worker itself.
 */
export function grantedDatabaseUrl(
  binding: ResolvedBinding,
  name: string,
  worker: { platformDatabaseUrl?: string; env: NodeJS.ProcessEnv },
): string {
  const grant = Object.hasOwn(binding.policy.databases, name) ? binding.policy.databases[name] : undefined;
  if (!grant) throw new DatabaseGrantError(`the binding grants no database connection named ${name}`);
  if ('platform' in grant) {
    if (!worker.platformDatabaseUrl) throw new DatabaseGrantError("the platform's own database is the embedded one: there is no Postgres server to dump");
    return worker.platformDatabaseUrl;
  }
  const url = worker.env[grant.urlEnv];
  if (!url) throw new DatabaseGrantError(`the worker has no ${grant.urlEnv}, which the binding names for the connection ${name}`);
  return url;
}

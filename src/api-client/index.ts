import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

export type { components, paths };
/** The API's named schemas (Deployment, DeploymentStep, Service, …), as generated from its OpenAPI document. */
export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

/**
 * A typed client of the Cutover API at `baseUrl` (the server, without `/api/v1`), sending `token` as the bearer
 * token. Generated types come from `npm run api:generate`; the CLI and the dashboard share them.
 */
export function createApiClient(options: { baseUrl: string; token: string; fetch?: typeof fetch }): ApiClient {
  return createClient<paths>({
    baseUrl: `${apiBase(options.baseUrl)}`,
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** `http://host:8080` or `http://host:8080/` → `http://host:8080/api/v1`. */
export function apiBase(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1`;
}

import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../src/api-client/schema.d.ts';

// The dashboard's API client: generated from the API's OpenAPI document (npm run api:generate), the same types
// the CLI uses. Same origin, so the browser sends the session cookie itself; every change carries the session's
// CSRF token (double submit: the readable cutover_csrf cookie, sent back in x-csrf-token).

export type Schemas = components['schemas'];
export type Role = 'viewer' | 'operator' | 'admin' | 'owner';

const workspaceKey = 'cutover.workspace';

function cookie(name: string): string | undefined {
  return document.cookie
    .split('; ')
    .find((part) => part.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

/** The workspace the person acts in (the switcher keeps it); unset: the first they belong to. */
export const currentWorkspace = {
  get: (): string | null => localStorage.getItem(workspaceKey),
  set: (id: string) => localStorage.setItem(workspaceKey, id),
};

const session: Middleware = {
  onRequest({ request }) {
    if (!['GET', 'HEAD'].includes(request.method)) {
      const csrf = cookie('cutover_csrf');
      if (csrf) request.headers.set('x-csrf-token', decodeURIComponent(csrf));
    }
    const workspace = currentWorkspace.get();
    if (workspace && !request.url.includes('/auth/login')) request.headers.set('x-cutover-workspace', workspace);
    return request;
  },
};

// fetch is looked up at each call (not captured here), so a test can route it to an in-process API.
export const api = createClient<paths>({ baseUrl: '/api/v1', credentials: 'same-origin', fetch: (request) => globalThis.fetch(request) });
api.use(session);

/** An error answer of the API, in its one shape: what the page shows (code and message say what to do). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The data of an answer, or its ApiProblem. */
export async function ok<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (error !== undefined || !response.ok) {
    const body = (error as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiProblem(response.status, body?.code ?? String(response.status), body?.message ?? `the API answered ${response.status}`, body?.details);
  }
  return data as T;
}

const order: Role[] = ['viewer', 'operator', 'admin', 'owner'];
/** Whether `role` is at least `minimum`. */
export const atLeast = (role: Role, minimum: Role) => order.indexOf(role) >= order.indexOf(minimum);
/** A role in one environment: the lower of the workspace role and the environment's narrower one. */
export function roleIn(me: { workspace: { role: Role }; environment_roles: Record<string, Role> }, environment: string): Role {
  const narrower = me.environment_roles[environment];
  const role = me.workspace.role;
  return narrower && order.indexOf(narrower) < order.indexOf(role) ? narrower : role;
}

/** A text field of a submitted form ('' when absent). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

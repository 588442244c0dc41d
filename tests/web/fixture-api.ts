// A fixture API for the dashboard's component tests: canned answers in the API's own shapes (typed by the
// generated client), every request recorded. The real API is what the browser tests (tests/local/dashboard.test.ts)
// drive; these check what each page does with an answer, fast.
import type { components } from '../../src/api-client/schema.d.ts';

type Schemas = components['schemas'];
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}
type Handler = (request: { method: string; path: string; query: URLSearchParams; body: unknown }) => { status?: number; body: unknown } | undefined;

export function me(role: Schemas['Me']['workspace']['role'], environmentRoles: Record<string, Schemas['Me']['workspace']['role']> = {}): Schemas['Me'] {
  return {
    kind: 'session',
    actor: 'ada@example.test',
    user: { id: '00000000-0000-4000-8000-000000000001', email: 'ada@example.test', display_name: 'Ada', platform_admin: false, totp_enabled: false },
    workspace: { id: '00000000-0000-4000-8000-0000000000aa', name: 'shop-team', role },
    environment_roles: environmentRoles,
    step_up_until: null,
    session_expires_at: null,
    workspaces: [{ id: '00000000-0000-4000-8000-0000000000aa', name: 'shop-team', role }],
  } as Schemas['Me'];
}

/** Installs globalThis.fetch answering from `handlers` (first that answers wins; unknown routes: 404). */
export function installFixtureApi(handlers: Handler[]): Recorded[] {
  const recorded: Recorded[] = [];
  globalThis.fetch = (async (input: Request | string, init?: RequestInit) => {
    const request = typeof input === 'string' ? new Request(new URL(input, 'http://cutover.test'), init) : input;
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    const path = url.pathname.replace(/^\/api\/v1/, '');
    recorded.push({ method: request.method, path, body });
    for (const handler of handlers) {
      const answer = handler({ method: request.method, path, query: url.searchParams, body });
      if (answer) return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { 'content-type': 'application/json' } });
    }
    return new Response(JSON.stringify({ error: { code: 'not_found', message: `no fixture for ${request.method} ${path}`, requestId: 'test' } }), { status: 404, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return recorded;
}

export const route = (method: string, path: string | RegExp, answer: (request: { query: URLSearchParams; body: unknown }) => { status?: number; body: unknown }): Handler => (request) =>
  request.method === method && (typeof path === 'string' ? request.path === path : path.test(request.path)) ? answer(request) : undefined;

export const problem = (status: number, code: string, message: string, details?: unknown) => ({ status, body: { error: { code, message, requestId: 'test', ...(details ? { details } : {}) } } });

/** happy-dom has no EventSource: pages get one that stays silent (the browser tests follow real streams). */
export function silenceEventSource(): void {
  globalThis.EventSource = class {
    addEventListener() {}
    close() {}
  } as unknown as typeof EventSource;
}

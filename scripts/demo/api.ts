/** One release of the demo as its table shows it. */
export interface DemoRelease {
  version: string;
  status: string;
  /** How long the switch-traffic step took: the proxy moved and said so. */
  switchMs?: number;
  /** How long the monitor's rollback step took. */
  rollbackMs?: number;
  reason?: string;
  webUiUrl: string;
}

/** A flag as the API answers it (the fields the demo uses). */
export interface DemoFlag {
  id: string;
  key: string;
  version: number;
  rollout_pct: number;
}

interface DeploymentBody {
  id: string;
  status: string;
  reason: string | null;
  web_ui_url: string;
  steps?: Array<{ step: string; status: string; duration_ms: number | null; message: string | null }>;
}

const finalStatuses = new Set(['succeeded', 'failed', 'rolled_back', 'aborted']);

/** The few API calls the demo makes, as a person would make them with curl. */
export function createDemoApi(baseUrl: string, token: string, say: (line: string) => void) {
  const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${JSON.stringify(payload)}`);
    return payload;
  };

  return {
    /** POST /services; the answer shows the definition with its secrets masked. */
    registerService: (body: { name: string; environment: string; definition: Record<string, unknown> }) =>
      call<{ definition: { env: Record<string, string> } }>('POST', '/services', body),

    /** The id of the workspace the token acts in. */
    async workspaceId(): Promise<string> {
      return (await call<{ workspace: { id: string } }>('GET', '/auth/me')).workspace.id;
    },

    /** A token of the workspace with this role; its secret is shown only in this answer. */
    async createToken(name: string, role: 'viewer' | 'operator' | 'admin'): Promise<string> {
      return (await call<{ token: string }>('POST', '/tokens', { name, role })).token;
    },

    /** POST /features: a flag in an environment. */
    createFlag: (body: Record<string, unknown>) => call<DemoFlag>('POST', '/features', body),

    /** PUT /features/{id}: a flag's fields (all but key and environment) with the version they replace. */
    replaceFlag: (id: string, body: Record<string, unknown>) => call<DemoFlag>('PUT', `/features/${id}`, body),

    /** Starts a blue-green release and follows it step by step until it ends. */
    async release(service: string, environment: string, version: string, image: string, timings: Record<string, number>): Promise<DemoRelease> {
      say(`\nRelease ${version}`);
      const started = await call<DeploymentBody>('POST', '/deployments', {
        service,
        environment,
        version,
        image,
        strategy: 'blue-green',
        options: { timings },
      });
      const told = new Set<string>();
      for (;;) {
        const deployment = await call<DeploymentBody>('GET', `/deployments/${started.id}`);
        for (const step of deployment.steps ?? []) {
          const key = `${step.step}:${step.status}`;
          if (told.has(key) || step.status === 'started') continue;
          told.add(key);
          const took = step.duration_ms === null ? '' : ` (${step.duration_ms} ms)`;
          say(`  ${step.status === 'succeeded' ? '✓' : step.status === 'failed' ? '✗' : '·'} ${step.step}${took}${step.message ? `: ${step.message}` : ''}`);
        }
        if (finalStatuses.has(deployment.status)) {
          say(`  → ${deployment.status}${deployment.reason ? `: ${deployment.reason}` : ''}`);
          const duration = (name: string) => deployment.steps?.find((step) => step.step === name && step.status === 'succeeded')?.duration_ms ?? undefined;
          return {
            version,
            status: deployment.status,
            switchMs: duration('switch-traffic'),
            rollbackMs: duration('rollback'),
            reason: deployment.reason ?? undefined,
            webUiUrl: deployment.web_ui_url,
          };
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}

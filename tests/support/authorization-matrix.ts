import { harmlessFlag, harmlessJob, type Fixtures } from './authorization-fixtures.ts';

/**
 * Who may call what: one row per operation of the OpenAPI document, keyed `METHOD /full/path` as the document
 * names it (path templates included), with the servers' prefix. tests/integration/authorization.test.ts turns
 * every row into: no token, an unknown or a revoked token (by each security scheme the operation declares) and a
 * token by a scheme it does not declare → 401; each role below `role` → 403; `role` and above → `ok`; and, for a
 * path that names a resource, another workspace's admin → 404. An operation without a row, or a row without an
 * operation, fails that suite. A new route is one line here.
 */

/** The roles a caller may hold, lowest first; `platform-admin` is above every workspace role. */
export const workspaceRoles = ['viewer', 'operator', 'admin', 'owner'] as const;
export const callerRoles = [...workspaceRoles, 'platform-admin'] as const;
export type CallerRole = (typeof callerRoles)[number];
/** Least role that may call an operation; `public`: no token needed. */
export type MinimumRole = CallerRole | 'public';

/** What an allowed caller sends: enough to pass validation and name a resource of its own workspace. */
export interface MatrixRequest {
  /** One value per `{param}` of the path. */
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead. */
  form?: Record<string, string>;
}

export interface MatrixRow {
  role: MinimumRole;
  /**
   * Built anew for every call (denied ones too), so a route that consumes its resource gets one of its own.
   * Omitted: no params, no query, no body.
   */
  request?: (fx: Fixtures) => MatrixRequest | Promise<MatrixRequest>;
  /** The statuses an allowed caller may get: never 401/403, never 422 (validation passed), never 404 for a path that names a resource. */
  ok: number[];
  /** A platform resource (targets, bindings), not a workspace's: no cross-workspace check. */
  platformScoped?: boolean;
  /**
   * Needs a person who re-authenticated recently (requireStepUp): tokens cannot, so every token at or above
   * `role` gets 403 `step_up_required` and `ok` is never reached here (the route's own tests sign in).
   */
  stepUp?: boolean;
  /**
   * For a signed-in browser session only (sign-out, step-up, password change): every token at or above `role`
   * gets 403 `session_required`, and `ok` is never reached here (tests/integration/sign-in.test.ts signs in).
   */
  sessionOnly?: boolean;
}

const service = async (fx: Fixtures) => {
  const { name, environment } = await fx.busyService();
  return { params: { name }, environment };
};
const deployment = async (fx: Fixtures) => ({ params: { id: await fx.finishedDeployment() } });
const job = async (fx: Fixtures) => ({ params: { id: await fx.opsJob() } });
const decision = { approver: 'authorization-matrix', confirm: 'not-the-service' };
const rampParams = async (ramp: Promise<{ featureId: string; rampId: string }>) => {
  const { featureId, rampId } = await ramp;
  return { id: featureId, ramp_id: rampId };
};
const binding = async (fx: Fixtures) => ({ params: { id: await fx.binding() } });

export const authorizationMatrix: Record<string, MatrixRow> = {
  // Signing in: anyone may try (limited per account and address); the rest is for the signed-in person.
  'POST /api/v1/auth/login': { role: 'public', request: async (fx) => ({ body: await fx.freshCredentials() }), ok: [200] },
  'GET /api/v1/auth/me': { role: 'viewer', ok: [200] },
  'POST /api/v1/auth/logout': { role: 'viewer', ok: [204], sessionOnly: true },
  'POST /api/v1/auth/logout-everywhere': { role: 'viewer', ok: [200], sessionOnly: true },
  'POST /api/v1/auth/step-up': { role: 'viewer', request: () => ({ body: { password: 'a-password-of-nobody' } }), ok: [200], sessionOnly: true },
  'POST /api/v1/auth/password': {
    role: 'viewer',
    request: () => ({ body: { current_password: 'a-password-of-nobody', new_password: 'another-password-of-nobody' } }),
    ok: [204],
    sessionOnly: true,
  },
  // TOTP of the signed-in person (tests/integration/totp.test.ts signs in and steps up).
  'POST /api/v1/auth/totp': { role: 'viewer', ok: [201], stepUp: true },
  'POST /api/v1/auth/totp/confirm': { role: 'viewer', request: () => ({ body: { code: '000000' } }), ok: [200], sessionOnly: true },
  'DELETE /api/v1/auth/totp': { role: 'viewer', ok: [204], stepUp: true },
  // Platform admins: targets and bindings of every workspace.
  'GET /api/v1/admin/targets': { role: 'platform-admin', ok: [200] },
  'POST /api/v1/admin/targets': {
    role: 'platform-admin',
    request: (fx) => ({ body: { name: fx.unique('authz-target'), kind: 'local', description: 'authorization matrix' } }),
    ok: [201],
  },
  // Platform admins: the people of the platform.
  'GET /api/v1/admin/users': { role: 'platform-admin', ok: [200] },
  'POST /api/v1/admin/users': {
    role: 'platform-admin',
    request: (fx) => ({ body: { email: `${fx.unique('authz-new')}@example.test`, display_name: 'matrix' } }),
    ok: [201],
  },
  'GET /api/v1/admin/users/{id}': { role: 'platform-admin', request: async (fx) => ({ params: { id: await fx.freshUser() } }), ok: [200], platformScoped: true },
  'PATCH /api/v1/admin/users/{id}': {
    role: 'platform-admin',
    request: async (fx) => ({ params: { id: await fx.freshUser() }, body: { display_name: 'renamed by the matrix' } }),
    ok: [200],
    platformScoped: true,
  },
  'POST /api/v1/admin/users/{id}/password': {
    role: 'platform-admin',
    request: async (fx) => ({ params: { id: await fx.freshUser() }, body: { password: 'a-new-password-of-matrix' } }),
    ok: [204],
    platformScoped: true,
  },
  'GET /api/v1/admin/bindings': { role: 'platform-admin', ok: [200] },
  // A binding of an environment of its own, granting nothing.
  'PUT /api/v1/admin/bindings': {
    role: 'platform-admin',
    request: async (fx) => ({
      body: { workspace_id: fx.workspace.id, environment: fx.unique('authz-env'), target: (await fx.target()).name, policy: {} },
    }),
    ok: [200],
  },
  'GET /api/v1/admin/bindings/{id}': { role: 'platform-admin', request: binding, ok: [200], platformScoped: true },
  'DELETE /api/v1/admin/bindings/{id}': {
    role: 'platform-admin',
    request: async (fx) => ({ params: { id: await fx.freshBinding() } }),
    ok: [204],
    platformScoped: true,
  },
  'GET /api/v1/bindings': { role: 'viewer', ok: [200] },

  // The Temporal codec server: a platform admin's token, by bearer or by the codec cookie (a payload names no
  // workspace the codec could check). The session form is public: it checks the token it is given itself, and
  // keeps only a platform admin's (tests/integration/payload-codec.test.ts refuses the others).
  'POST /api/v1/codec/decode': { role: 'platform-admin', request: () => ({ body: { payloads: [] } }), ok: [200] },
  'POST /api/v1/codec/encode': { role: 'platform-admin', request: () => ({ body: { payloads: [] } }), ok: [200] },
  'GET /api/v1/codec/session': { role: 'public', ok: [200] },
  'POST /api/v1/codec/session': { role: 'public', request: (fx) => ({ form: { token: fx.workspace.platformAdmin } }), ok: [303] },
  'POST /api/v1/codec/session/forget': { role: 'public', ok: [303] },

  // Creating a workspace is a platform action, but any workspace admin may do it today (see the report).
  'POST /api/v1/workspaces': { role: 'platform-admin', request: (fx) => ({ body: { name: fx.unique('authz-ws') } }), ok: [201] },
  'GET /api/v1/workspaces': { role: 'viewer', ok: [200] },
  'GET /api/v1/workspaces/{id}': { role: 'viewer', request: (fx) => ({ params: { id: fx.workspace.id } }), ok: [200] },
  'PATCH /api/v1/workspaces/{id}': {
    role: 'admin',
    request: (fx) => ({ params: { id: fx.workspace.id }, body: { description: 'checked by the authorization matrix' } }),
    ok: [200],
  },
  // Tokens never delete a workspace: the owner's gets 403 step_up_required, so nothing is deleted here.
  'DELETE /api/v1/workspaces/{id}': {
    role: 'owner',
    stepUp: true,
    request: (fx) => ({ params: { id: fx.workspace.id }, body: { confirm: 'delete' } }),
    ok: [202],
  },
  // A deleted workspace is the platform's to restore: its own members no longer reach it.
  'POST /api/v1/workspaces/{id}/restore': {
    role: 'platform-admin',
    request: async (fx) => ({ params: { id: await fx.freshDeletedWorkspace() } }),
    ok: [200],
    platformScoped: true,
  },
  'GET /api/v1/workspaces/{id}/users': { role: 'viewer', request: (fx) => ({ params: { id: fx.workspace.id } }), ok: [200] },
  'POST /api/v1/workspaces/{id}/users': {
    role: 'admin',
    request: async (fx) => ({ params: { id: fx.workspace.id }, body: { user_id: await fx.freshUser(), role: 'viewer' } }),
    ok: [201],
  },
  'PATCH /api/v1/workspaces/{id}/users/{userId}': {
    role: 'admin',
    request: async (fx) => ({ params: { id: fx.workspace.id, userId: await fx.freshMember() }, body: { role: 'operator' } }),
    ok: [200],
  },
  'DELETE /api/v1/workspaces/{id}/users/{userId}': {
    role: 'admin',
    request: async (fx) => ({ params: { id: fx.workspace.id, userId: await fx.freshMember() } }),
    ok: [204],
  },
  'GET /api/v1/workspaces/{id}/quotas': { role: 'viewer', request: (fx) => ({ params: { id: fx.workspace.id } }), ok: [200] },
  // An empty body puts every quota back on the platform default.
  'PUT /api/v1/workspaces/{id}/quotas': { role: 'platform-admin', request: (fx) => ({ params: { id: fx.workspace.id }, body: {} }), ok: [200] },

  // A person's own tokens: made and managed by a signed-in session only.
  'GET /api/v1/tokens/personal': { role: 'viewer', ok: [200], sessionOnly: true },
  'POST /api/v1/tokens/personal': { role: 'viewer', request: (fx) => ({ body: { name: fx.unique('authz-personal') } }), ok: [201], sessionOnly: true },
  'DELETE /api/v1/tokens/personal/{id}': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.freshToken() } }), ok: [204, 404], sessionOnly: true },
  'GET /api/v1/tokens': { role: 'admin', ok: [200] },
  'POST /api/v1/tokens': { role: 'admin', request: (fx) => ({ body: { name: fx.unique('authz'), role: 'viewer' } }), ok: [201] },
  'DELETE /api/v1/tokens/{id}': { role: 'admin', request: async (fx) => ({ params: { id: await fx.freshToken() } }), ok: [204] },

  'GET /api/v1/services': { role: 'viewer', ok: [200] },
  'POST /api/v1/services': {
    role: 'operator',
    request: (fx) => ({ body: { name: fx.unique('authz-new'), environment: 'dev', definition: fx.definition } }),
    ok: [201],
  },
  'GET /api/v1/services/{name}': { role: 'viewer', request: service, ok: [200] },
  'PUT /api/v1/services/{name}': {
    role: 'operator',
    request: async (fx) => {
      const { params, environment } = await service(fx);
      return { params, body: { environment, definition: fx.definition } };
    },
    ok: [200],
  },
  // The busy service's release in progress answers the traffic moves with 409 before any target is touched.
  'POST /api/v1/services/{name}/switch': {
    role: 'operator',
    request: async (fx) => {
      const { params, environment } = await service(fx);
      return { params, body: { environment, to: 'blue', confirm: params.name } };
    },
    ok: [409],
  },
  'POST /api/v1/services/{name}/rollback': {
    role: 'operator',
    request: async (fx) => {
      const { params, environment } = await service(fx);
      return { params, body: { environment } };
    },
    ok: [409],
  },
  'POST /api/v1/services/{name}/traffic': {
    role: 'operator',
    request: async (fx) => {
      const { params, environment } = await service(fx);
      return { params, body: { environment, blue: 100, green: 0 } };
    },
    ok: [409],
  },
  // Reads of the target: this suite has no cluster, so the provider is unreachable once the service is found.
  'GET /api/v1/services/{name}/traffic': { role: 'viewer', request: withEnvironment(service), ok: [200, 503] },
  // No cluster here: reading the colours fails, which the route answers with 503 target_unavailable.
  'GET /api/v1/services/{name}/environments': { role: 'viewer', request: withEnvironment(service), ok: [200, 503] },
  // A stream of one second: the first weights (or unavailable), then reconnect.
  'GET /api/v1/services/{name}/traffic/events': {
    role: 'viewer',
    request: async (fx) => {
      const { params, environment } = await service(fx);
      return { params, query: { environment, max_ms: '1000' } };
    },
    ok: [200],
  },
  'GET /api/v1/services/{name}/history': { role: 'viewer', request: withEnvironment(service), ok: [200] },

  'GET /api/v1/deployments': { role: 'viewer', ok: [200] },
  'POST /api/v1/deployments': {
    role: 'operator',
    request: (fx) => ({ body: { service: fx.unique('authz-dry'), environment: 'dev', version: '1.0.0', strategy: 'dry-run' } }),
    ok: [201],
  },
  'GET /api/v1/deployments/{id}': { role: 'viewer', request: deployment, ok: [200] },
  'GET /api/v1/deployments/{id}/events': { role: 'viewer', request: deployment, ok: [200] },
  // A dry run has no manual controls (409), and a succeeded one is not retried (409): nothing is sent anywhere.
  'POST /api/v1/deployments/{id}/approve': { role: 'operator', request: withBody(deployment, decision), ok: [409] },
  'POST /api/v1/deployments/{id}/reject': { role: 'operator', request: withBody(deployment, decision), ok: [409] },
  'POST /api/v1/deployments/{id}/abort': { role: 'operator', request: withBody(deployment, {}), ok: [409] },
  'POST /api/v1/deployments/{id}/rollback': { role: 'operator', request: withBody(deployment, {}), ok: [409] },
  'POST /api/v1/deployments/{id}/promote': { role: 'operator', request: withBody(deployment, {}), ok: [409] },
  'POST /api/v1/deployments/{id}/retry': { role: 'operator', request: deployment, ok: [409] },

  'GET /api/v1/audit': { role: 'admin', ok: [200] },

  // Feature flags: operators in the environment change them, anyone reads and evaluates.
  'GET /api/v1/features': { role: 'viewer', ok: [200] },
  'POST /api/v1/features': { role: 'operator', request: (fx) => ({ body: harmlessFlag(fx.unique('authz-flag')) }), ok: [201] },
  'GET /api/v1/features/{id}': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.feature() } }), ok: [200] },
  'PUT /api/v1/features/{id}': {
    role: 'operator',
    request: async (fx) => {
      const { key: _key, environment: _environment, ...fields } = harmlessFlag('unused');
      return { params: { id: await fx.freshFeature() }, body: { ...fields, name: 'renamed', version: 1 } };
    },
    ok: [200],
  },
  'DELETE /api/v1/features/{id}': { role: 'operator', request: async (fx) => ({ params: { id: await fx.freshFeature() } }), ok: [204] },
  'POST /api/v1/features/{id}/evaluate': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.feature() }, body: { context: { user_id: 'u-1' } } }), ok: [200] },
  'GET /api/v1/features/{id}/evaluate': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.feature() }, query: { user_id: 'u-1' } }), ok: [200] },
  'GET /api/v1/features/{id}/audit-log': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.feature() } }), ok: [200] },
  // A fresh flag each call, so every copy creates (201) rather than replaces the last one's.
  'POST /api/v1/features/{id}/copy': { role: 'operator', request: async (fx) => ({ params: { id: await fx.freshFeature() }, body: { environment: 'staging' } }), ok: [201] },
  // By key, not id: another workspace has no flag of that key (404).
  'GET /api/v1/features/{key}/check': { role: 'viewer', request: async (fx) => ({ params: { key: await fx.featureKey() }, query: { environment: 'dev', userId: 'u-1' } }), ok: [200] },
  'POST /api/v1/features/{id}/preview': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.feature() }, body: { rollout_pct: 50 } }), ok: [200] },
  // Segments: operators in the environment change them, anyone reads them.
  'GET /api/v1/segments': { role: 'viewer', ok: [200] },
  'POST /api/v1/segments': {
    role: 'operator',
    request: (fx) => ({ body: { key: fx.unique('authz-segment'), environment: 'dev', conditions: [{ attribute: 'plan', operator: 'in', values: ['matrix'] }] } }),
    ok: [201],
  },
  'GET /api/v1/segments/{id}': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.segment() } }), ok: [200] },
  'PUT /api/v1/segments/{id}': {
    role: 'operator',
    request: async (fx) => ({ params: { id: await fx.freshSegment() }, body: { conditions: [{ attribute: 'plan', operator: 'in', values: ['other'] }] } }),
    ok: [200],
  },
  'DELETE /api/v1/segments/{id}': { role: 'operator', request: async (fx) => ({ params: { id: await fx.freshSegment() } }), ok: [204] },
  // OFREP answers in the protocol's own shapes (another workspace's flag is its FLAG_NOT_FOUND: ofrep.test.ts).
  'POST /api/v1/flags/{environment}/ofrep/v1/evaluate/flags/{key}': {
    role: 'viewer',
    request: async (fx) => ({ params: { environment: 'dev', key: await fx.featureKey() }, body: { context: { targetingKey: 'u-1' } } }),
    ok: [200],
    platformScoped: true,
  },
  'POST /api/v1/flags/{environment}/ofrep/v1/evaluate/flags': { role: 'viewer', request: () => ({ params: { environment: 'dev' }, body: { context: {} } }), ok: [200], platformScoped: true },
  // The stream of an environment's configuration (another workspace's caller sees its own, empty: flag-provider.test.ts).
  'GET /api/v1/flags/{environment}/stream': { role: 'viewer', request: () => ({ params: { environment: 'dev' }, query: { max_ms: '1000' } }), ok: [200], platformScoped: true },
  'POST /api/v1/features/events': {
    role: 'viewer',
    request: (fx) => ({ body: { environment: 'dev', events: [{ id: fx.unique('authz-event'), kind: 'conversion', metric: 'signup', subject: 'u-1' }] } }),
    ok: [202],
  },
  'GET /api/v1/features/{id}/stats': { role: 'viewer', request: async (fx) => ({ params: { id: await fx.feature() }, query: { metric: 'signup' } }), ok: [200] },
  'POST /api/v1/features/{id}/ramps': { role: 'operator', request: async (fx) => ({ params: { id: await fx.freshFeature() }, body: { steps: [{ setRollout: 10 }, { pause: {} }] } }), ok: [201] },
  'GET /api/v1/features/{id}/ramps': { role: 'viewer', request: async (fx) => ({ params: { id: (await fx.ramp()).featureId } }), ok: [200] },
  'GET /api/v1/features/{id}/ramps/{ramp_id}': { role: 'viewer', request: async (fx) => ({ params: await rampParams(fx.ramp()) }), ok: [200] },
  'POST /api/v1/features/{id}/ramps/{ramp_id}/promote': { role: 'operator', request: async (fx) => ({ params: await rampParams(fx.freshRamp()), body: {} }), ok: [202] },
  'POST /api/v1/features/{id}/ramps/{ramp_id}/abort': { role: 'operator', request: async (fx) => ({ params: await rampParams(fx.freshRamp()), body: {} }), ok: [202] },
  'GET /api/v1/ops/jobs/schedule-preview': { role: 'viewer', request: () => ({ query: { cron: '*/15 * * * *' } }), ok: [200] },
  'GET /api/v1/ops/jobs': { role: 'viewer', ok: [200] },
  'POST /api/v1/ops/jobs': { role: 'operator', request: (fx) => ({ body: harmlessJob(fx.unique('authz-job')) }), ok: [201] },
  'GET /api/v1/ops/jobs/{id}': { role: 'viewer', request: job, ok: [200] },
  'PATCH /api/v1/ops/jobs/{id}': { role: 'operator', request: withBody(job, { description: 'checked by the authorization matrix' }), ok: [200] },
  'DELETE /api/v1/ops/jobs/{id}': { role: 'operator', request: async (fx) => ({ params: { id: await fx.freshOpsJob() } }), ok: [204] },
  'POST /api/v1/ops/jobs/{id}/trigger': {
    role: 'operator',
    request: async (fx) => ({ params: { id: await fx.freshOpsJob() }, body: { confirm: true } }),
    ok: [202],
  },
  'POST /api/v1/ops/jobs/{id}/pause': { role: 'operator', request: job, ok: [200] },
  'POST /api/v1/ops/jobs/{id}/unpause': { role: 'operator', request: job, ok: [200] },
  // One run time (1 January 2020, midnight UTC) of a job that changes nothing.
  'POST /api/v1/ops/jobs/{id}/backfill': {
    role: 'operator',
    request: withBody(job, { from: '2020-01-01T00:00:00Z', to: '2020-01-01T00:00:01Z' }),
    ok: [202],
  },
  'GET /api/v1/ops/jobs/{id}/runs': { role: 'viewer', request: job, ok: [200] },
  'GET /api/v1/ops/jobs/{id}/runs/{run_id}/logs': {
    role: 'viewer',
    request: async (fx) => {
      const { jobId, runId } = await fx.opsRun();
      return { params: { id: jobId, run_id: runId } };
    },
    ok: [200],
  },
};

function withBody(
  request: (fx: Fixtures) => Promise<MatrixRequest>,
  body: unknown,
): (fx: Fixtures) => Promise<MatrixRequest> {
  return async (fx) => ({ ...(await request(fx)), body });
}

function withEnvironment(request: typeof service): (fx: Fixtures) => Promise<MatrixRequest> {
  return async (fx) => {
    const { params, environment } = await request(fx);
    return { params, query: { environment } };
  };
}

import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { bindingPolicySchema } from '../../src/bindings/policy.ts';
import { createTarget, putBinding, type Target } from '../../src/db/repositories/bindings.ts';
import { insertDeployment } from '../../src/db/repositories/deployments.ts';
import { insertService } from '../../src/db/repositories/services.ts';
import { createApiToken, revokeApiToken } from '../../src/db/repositories/workspaces.ts';
import { createUser, putMember } from '../../src/db/repositories/users.ts';
import { insertWorkspace, softDeleteWorkspace } from '../../src/db/repositories/workspace-lifecycle.ts';
import { activeDeploymentStatuses, deployments } from '../../src/db/schema/index.ts';
import { releaseWorkflowId } from '../../src/releases/start-release.ts';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';
import { bindTestWorkspace, testPolicy } from './bindings.ts';
import type { Harness, TestWorkspace } from './harness.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { waitFor } from './wait.ts';

// Resources of one workspace that the authorization matrix's requests name. Shared ones are made once, on
// first use; `fresh*` ones are made per request, for routes that consume what they name (revoke, delete).

/** A service of the workspace and the environment it is registered in. */
export interface ServiceRef {
  name: string;
  environment: string;
}

export interface Fixtures {
  /** The workspace the resources belong to. */
  workspace: TestWorkspace;
  /** A service definition inside the workspace's binding. */
  definition: ReturnType<typeof harmlessDefinition>;
  /** A name no other request of the run uses. */
  unique(prefix: string): string;
  /**
   * A registered service with a release in progress (a pending deployment row, no workflow): switch, rollback
   * and traffic moves find it and answer 409 before they touch a target.
   */
  busyService(): Promise<ServiceRef>;
  /** The id of a finished dry-run deployment: controls answer 409 (a dry run has none), its event stream ends. */
  finishedDeployment(): Promise<string>;
  /** The id of a paused ops job (far-future cron, a cleanup of this workspace's ten-year-old records). */
  opsJob(): Promise<string>;
  /** A flag of the workspace (shared), and one for each call (for replace and delete). */
  feature(): Promise<string>;
  /** The key of a flag in `dev` (OFREP names flags by key). */
  featureKey(): Promise<string>;
  freshFeature(): Promise<string>;
  /** A segment of `dev` (shared), and one for each call (for replace and delete). */
  segment(): Promise<string>;
  freshSegment(): Promise<string>;
  /** A ramp of a flag of its own that waits in a pause for a person (shared), and one for each call (for promote and abort). */
  ramp(): Promise<{ featureId: string; rampId: string }>;
  freshRamp(): Promise<{ featureId: string; rampId: string }>;
  /** The same kind of job, new for each call. */
  freshOpsJob(): Promise<string>;
  /** A run of a job of its own. */
  opsRun(): Promise<{ jobId: string; runId: string }>;
  /** The id of a new viewer token of the workspace. */
  freshToken(): Promise<string>;
  /** A local target registered for this suite. */
  target(): Promise<Target>;
  /** The id of a binding of an environment of the workspace (one of its own) to `target()`, granting nothing. */
  binding(): Promise<string>;
  /** The same kind of binding, new for each call. */
  freshBinding(): Promise<string>;
  /** The id of a new user who belongs to no workspace. */
  freshUser(): Promise<string>;
  /** The id of a new user who is a viewer of the workspace. */
  freshMember(): Promise<string>;
  /** The id of a new workspace, deleted a moment ago (restorable for a day). */
  freshDeletedWorkspace(): Promise<string>;
  /** The email and password of a new member of the workspace, for POST /auth/login. */
  freshCredentials(): Promise<{ email: string; password: string }>;
}

/**
 * Binds every environment of a workspace to Kubernetes (a namespace of its own: a namespace belongs to one
 * binding) and to the local target, so that the matrix's requests pass the binding checks and reach the lookup
 * of what they name.
 */
export async function bindForMatrix(harness: Harness, workspace: TestWorkspace): Promise<void> {
  await bindTestWorkspace(harness.db, workspace.id, 'kubernetes', { ...testPolicy.kubernetes, namespaces: [harmlessDefinition(workspace).namespace] });
  await bindTestWorkspace(harness.db, workspace.id, 'local');
}

/** A definition every request of a workspace may name: a Kubernetes target that this suite never reaches. */
export const harmlessDefinition = (workspace: { id: string }) => ({ namespace: `authz-${workspace.id.slice(0, 8)}`, image: 'authz:1', ports: [{ port: 80 }] });

/** A job whose runs change nothing: nothing in a test workspace is ten years old. */
/** A flag that is off: evaluating it answers its default. */
export const harmlessFlag = (key: string) => ({
  key,
  environment: 'dev',
  name: key,
  type: 'boolean',
  variants: [
    { key: 'off', value: false, weight: 0 },
    { key: 'on', value: true, weight: 100 },
  ],
  default_variant: 'off',
});

export const harmlessJob = (name: string) => ({
  name,
  schedule: { cron: '0 0 1 1 *' },
  paused: true,
  workload: { type: 'cleanup-deployments', older_than_days: 3650 },
});

export function createFixtures(harness: Harness, workspace: TestWorkspace): Fixtures {
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}-${randomUUID().slice(0, 6)}`;

  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await harness.call('POST', path, { token: workspace.tokens.operator, body });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`fixture POST ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const createJob = async () => String((await post('/api/v1/ops/jobs', harmlessJob(unique('authz-job')))).id);

  const busyService = once(async (): Promise<ServiceRef> => {
    const ref = { name: unique('authz-svc'), environment: 'dev' };
    // Straight into the database: the fixture is about who may touch it, not whether a binding admits it.
    const definition = serviceDefinitionSchema.parse(harmlessDefinition(workspace));
    await insertService(harness.db, { workspaceId: workspace.id, ...ref, definition });
    await insertDeployment(harness.db, {
      workspaceId: workspace.id,
      service: ref.name,
      environment: ref.environment,
      version: '1.0.0',
      strategy: 'blue-green',
      options: {},
      workflowId: releaseWorkflowId(workspace.id, ref.environment, ref.name),
      createdBy: 'authorization-matrix',
    });
    return ref;
  });

  const finishedDeployment = once(async () => {
    const body = { service: unique('authz-dry'), environment: 'dev', version: '1.0.0', strategy: 'dry-run' };
    const id = String((await post('/api/v1/deployments', body)).id);
    await waitFor('the dry run to finish', async () => {
      const [row] = await harness.db.select({ status: deployments.status }).from(deployments).where(eq(deployments.id, id));
      return row && !activeDeploymentStatuses.includes(row.status) ? row : undefined;
    });
    return id;
  });

  const createFeature = async () => String((await post('/api/v1/features', harmlessFlag(unique('authz-flag')))).id);
  const feature = once(createFeature);
  const featureKey = once(async () => {
    const key = unique('authz-flag');
    await post('/api/v1/features', harmlessFlag(key));
    return key;
  });
  const createSegment = async () =>
    String((await post('/api/v1/segments', { key: unique('authz-segment'), environment: 'dev', conditions: [{ attribute: 'plan', operator: 'in', values: ['matrix'] }] })).id);
  const createRamp = async () => {
    const featureId = await createFeature();
    const ramp = await post(`/api/v1/features/${featureId}/ramps`, { steps: [{ setRollout: 10 }, { pause: {} }, { setRollout: 100 }] });
    return { featureId, rampId: String(ramp.id) };
  };
  const opsJob = once(createJob);
  // A job of its own: a backfill of `opsJob()` may hold its overlap lock (423) when the run is asked for.
  const opsRun = once(async () => {
    const jobId = await createJob();
    const started = await post(`/api/v1/ops/jobs/${jobId}/trigger`, { confirm: true });
    return { jobId, runId: String(started.run_id) };
  });

  const freshToken = async () =>
    (await createApiToken(harness.db, { workspaceId: workspace.id, name: unique('authz-token'), role: 'viewer' })).row.id;

  const target = once(async () => {
    const created = await createTarget(harness.db, { name: unique('authz-target'), kind: 'local', description: 'authorization matrix' });
    if (!created) throw new Error('the authorization target exists already');
    return created;
  });
  const createBinding = async () => {
    const binding = await putBinding(harness.db, {
      workspaceId: workspace.id,
      environment: unique('authz-env'),
      target: await target(),
      policy: bindingPolicySchema.parse({}),
      createdBy: 'authorization-matrix',
    });
    return binding.id;
  };

  const freshUser = async () => {
    const email = `${unique('authz-user')}@example.test`;
    const user = await createUser(harness.db, { email, displayName: email.split('@')[0]! });
    if (!user) throw new Error(`user ${email} exists already`);
    return user.id;
  };

  return {
    definition: harmlessDefinition(workspace),
    workspace,
    unique,
    busyService,
    finishedDeployment,
    opsJob,
    feature,
    featureKey,
    freshFeature: createFeature,
    segment: once(createSegment),
    freshSegment: createSegment,
    ramp: once(createRamp),
    freshRamp: createRamp,
    freshOpsJob: createJob,
    opsRun,
    freshToken,
    target,
    binding: once(createBinding),
    freshBinding: createBinding,
    freshUser,
    freshMember: async () => {
      const userId = await freshUser();
      await putMember(harness.db, { workspaceId: workspace.id, userId, role: 'viewer' });
      return userId;
    },
    freshCredentials: async () => {
      const email = `${unique('authz-login')}@example.test`;
      const password = `pw-${randomUUID()}`;
      const user = await createUser(harness.db, { email, displayName: 'matrix', passwordHash: await hashPassword(password) });
      if (!user) throw new Error(`user ${email} exists already`);
      await putMember(harness.db, { workspaceId: workspace.id, userId: user.id, role: 'viewer' });
      return { email, password };
    },
    freshDeletedWorkspace: async () => {
      const created = await insertWorkspace(harness.db, { name: unique('authz-deleted') });
      if (!created) throw new Error('the deleted workspace fixture exists already');
      await softDeleteWorkspace(harness.db, created.id, { deletedAt: new Date(), deletedBy: 'authorization-matrix', purgeAfter: new Date(Date.now() + 86_400_000) });
      return created.id;
    },
  };
}

/** Tokens that must never get past authentication, and the platform admin's token. */
export async function createSpecialTokens(harness: Harness, workspace: TestWorkspace) {
  const revoked = await createApiToken(harness.db, { workspaceId: workspace.id, name: `${workspace.name}-revoked`, role: 'admin' });
  await revokeApiToken(harness.db, workspace.id, revoked.row.id);
  // A platform admin is a workspace admin token with the platform flag (as the bootstrap admin's is).
  const platform = await createApiToken(harness.db, {
    workspaceId: workspace.id,
    name: `${workspace.name}-platform`,
    role: 'admin',
    platformAdmin: true,
  });
  return { revoked: revoked.plaintext, unknown: `cut_${randomUUID()}`, platformAdmin: platform.plaintext };
}

/** Runs `make` on the first call and hands every caller the same promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

// needs: Postgres, Temporal dev server (no cluster: every refusal here comes before the target is reached)
import { randomUUID } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinding } from '../../src/db/repositories/bindings.ts';
import { auditLog, deployments, services } from '../../src/db/schema/index.ts';
import { bindTestWorkspace, testPolicy } from '../support/bindings.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// A platform admin narrows workspace A's binding after A registered a service: the namespace is taken away, or
// bound to workspace B. The objects' ownership labels still say A, since they do not follow a rebinding, so the
// binding is what refuses A's instant switch, rollback, traffic reads and moves, and colour view: 403
// outside_binding naming the namespace, an audit row for each change asked for, and nothing written.

let harness: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
// Both workspaces on one cluster: a namespace is bound to one workspace environment at most.
const cluster = `cluster-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  harness = await startHarness();
  a = await createTestWorkspace(harness.db, 'rebind-a');
  b = await createTestWorkspace(harness.db, 'rebind-b');
  await bindTestWorkspace(harness.db, a.id, 'kubernetes', { ...testPolicy.kubernetes, namespaces: [] }, { target: cluster });
  await bindTestWorkspace(harness.db, b.id, 'kubernetes', { ...testPolicy.kubernetes, namespaces: [] }, { target: cluster });
});
afterAll(() => harness?.close());

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path: string; rule: string }> };
}

/** Sets the namespaces of a workspace's Kubernetes binding (every environment), as a platform admin would. */
async function bindOnly(workspace: TestWorkspace, namespaces: string[]): Promise<void> {
  const current = await findBinding(harness.db, { workspaceId: workspace.id, environment: 'staging' }, 'kubernetes');
  await bindTestWorkspace(harness.db, workspace.id, 'kubernetes', { ...current!.policy, namespaces }, { target: cluster });
}

/** A service of A in a namespace of its own, registered while the namespace was A's. */
async function registerInBoundNamespace(): Promise<{ name: string; namespace: string }> {
  const name = `web-${randomUUID().slice(0, 6)}`;
  const namespace = `shop-${randomUUID().slice(0, 8)}`;
  await bindOnly(a, [namespace]);
  const response = await harness.call('POST', '/api/v1/services', {
    token: a.tokens.operator,
    body: { name, environment: 'staging', definition: { namespace, image: 'registry.example/web:1', ports: [{ port: 80 }] } },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return { name, namespace };
}

/** What A has written: a refusal changes none of it. */
async function written(name: string) {
  const [service] = await harness.db.select().from(services).where(and(eq(services.workspaceId, a.id), eq(services.name, name)));
  const [releases] = await harness.db.select({ n: count() }).from(deployments).where(eq(deployments.workspaceId, a.id));
  return { definition: service?.definition, updatedAt: service?.updatedAt, releases: releases!.n };
}

/** Every route that reads or moves the service's traffic, as A's operator. */
const actions = (name: string) =>
  [
    ['POST', `/api/v1/services/${name}/switch`, { environment: 'staging', to: 'green', confirm: name }, 'service.switch'],
    ['POST', `/api/v1/services/${name}/rollback`, { environment: 'staging' }, 'service.rollback'],
    ['POST', `/api/v1/services/${name}/traffic`, { environment: 'staging', blue: 0, green: 100 }, 'service.traffic'],
    ['GET', `/api/v1/services/${name}/traffic?environment=staging`, undefined, undefined],
    ['GET', `/api/v1/services/${name}/environments?environment=staging`, undefined, undefined],
  ] as const;

async function expectAllRefused(name: string, namespace: string) {
  const before = await written(name);
  for (const [method, path, body, action] of actions(name)) {
    const response = await harness.call(method, path, { token: a.tokens.operator, body });
    const answer = (await response.json()) as ErrorBody;
    const where = `${method} ${path}: ${JSON.stringify(answer)}`;
    expect(response.status, where).toBe(403);
    expect(answer.error.code, where).toBe('outside_binding');
    expect(answer.error.details, where).toEqual([expect.objectContaining({ path: 'definition.namespace', rule: 'namespace-not-bound' })]);
    expect(answer.error.message, where).toContain(`namespace ${namespace} is not bound`);
    // Reads leave no audit row (the middleware records changes only); each change asked for does.
    if (action) {
      const [row] = await harness.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.workspaceId, a.id), eq(auditLog.requestId, response.headers.get('x-request-id') ?? '')));
      expect(row, `${where} (its audit row)`).toMatchObject({ action, target: `service/staging/${name}`, outcome: 'failure', statusCode: 403 });
      expect(row?.details, where).toMatchObject({ refusal: { code: 'outside_binding', details: [expect.objectContaining({ rule: 'namespace-not-bound' })] } });
    }
  }
  expect(await written(name), 'nothing was written, no release started').toEqual(before);
}

describe('traffic moves of a service whose namespace left the binding', () => {
  it('reach the target while the namespace is bound (no cluster here: 503, not a refusal)', async () => {
    const { name } = await registerInBoundNamespace();
    const response = await harness.call('GET', `/api/v1/services/${name}/traffic?environment=staging`, { token: a.tokens.operator });
    expect(response.status, await response.clone().text()).toBe(503);
  });

  it('are refused once a platform admin removes the namespace from the binding', async () => {
    const { name, namespace } = await registerInBoundNamespace();
    await bindOnly(a, []);
    await expectAllRefused(name, namespace);
  });

  it('are refused once the namespace is bound to another workspace', async () => {
    const { name, namespace } = await registerInBoundNamespace();
    await bindOnly(a, [`other-${randomUUID().slice(0, 8)}`]);
    await bindOnly(b, [namespace]);
    await expectAllRefused(name, namespace);
  });
});

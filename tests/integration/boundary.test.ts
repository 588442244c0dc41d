// needs: Postgres, Temporal dev server (a worker runs the ops job whose binding narrows)
import { randomUUID } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiToken } from '../../src/db/repositories/workspaces.ts';
import { auditLog, deployments, opsJobs, services } from '../../src/db/schema/index.ts';
import { bindTestWorkspace, testPolicy } from '../support/bindings.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// The tenant boundary at the API: for each way in, workspace A's operator names a place its binding does not
// give it — workspace B's namespace, an unbound one, a ServiceAccount, an image, a local command, a port, the
// platform's database, a metadata or platform address. Each is refused with 403 outside_binding naming the
// field and the rule (422 where the schema already refuses the shape), leaves an audit row, and writes nothing.

let harness: Harness;
let a: TestWorkspace;
let b: TestWorkspace;
let platformAdmin: string;
const postgresPort = Number(new URL(inject('databaseUrl')).port || 5432);
const temporalPort = Number(inject('temporalAddress').split(':').at(-1));
// One cluster for both workspaces: a namespace is bound to one of them only.
const cluster = `cluster-${randomUUID().slice(0, 8)}`;
const nsA = `a-${randomUUID().slice(0, 8)}`;
const nsB = `b-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  harness = await startHarness({ platformPorts: [postgresPort, temporalPort] });
  a = await createTestWorkspace(harness.db, 'bnd-a');
  b = await createTestWorkspace(harness.db, 'bnd-b');
  const narrow = {
    namespaces: [nsA],
    serviceAccounts: ['default'],
    imagePrefixes: ['registry.example/a/'],
    directories: ['/tmp/cutover-a'],
    egress: { hosts: ['hooks.example.com'], cidrs: [] },
  };
  await bindTestWorkspace(harness.db, a.id, 'kubernetes', narrow, { target: cluster });
  await bindTestWorkspace(harness.db, a.id, 'local', { localCommands: false, localPorts: { from: 20_000, to: 20_099 }, directories: ['/tmp/cutover-a'] });
  await bindTestWorkspace(harness.db, b.id, 'kubernetes', { ...narrow, namespaces: [nsB], imagePrefixes: ['*'] }, { target: cluster });
  platformAdmin = (await createApiToken(harness.db, { workspaceId: b.id, name: 'platform', role: 'admin', platformAdmin: true })).plaintext;
});
afterAll(() => harness?.close());

const asA = (method: string, path: string, body?: unknown) => harness.call(method, path, { token: a.tokens.operator, body });

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path: string; rule: string; message: string }> };
}

const kubeDefinition = (extra: Record<string, unknown> = {}) => ({ namespace: nsA, image: 'registry.example/a/web:1', ports: [{ port: 80 }], ...extra });
const localDefinition = (extra: Record<string, unknown> = {}) => ({
  target: 'local',
  image: '/tmp/cutover-a/app.mjs',
  local: { port: 20_000, previewPort: 20_001, colorPorts: { blue: 20_010, green: 20_011 } },
  ...extra,
});

/** What workspace A has written: nothing may change when a request is refused. */
async function written() {
  const [servicesRow] = await harness.db.select({ n: count() }).from(services).where(eq(services.workspaceId, a.id));
  const [jobsRow] = await harness.db.select({ n: count() }).from(opsJobs).where(eq(opsJobs.workspaceId, a.id));
  const [deploymentsRow] = await harness.db.select({ n: count() }).from(deployments).where(eq(deployments.workspaceId, a.id));
  return { services: servicesRow!.n, jobs: jobsRow!.n, deployments: deploymentsRow!.n };
}

/** Sends the request as A's operator; expects the refusal, its audit row, and nothing written. */
async function expectRefused(method: string, path: string, body: unknown, expected: { status?: number; rule?: string; path?: string | RegExp }) {
  const before = await written();
  const response = await asA(method, path, body);
  const answer = (await response.json()) as ErrorBody;
  expect(response.status, JSON.stringify(answer)).toBe(expected.status ?? 403);
  if ((expected.status ?? 403) === 403) {
    expect(answer.error.code).toBe('outside_binding');
    expect(answer.error.details?.map((found) => found.rule)).toContain(expected.rule);
    if (expected.path) expect(answer.error.details?.map((found) => found.path).join(' ')).toMatch(expected.path);
  }
  expect(await written()).toEqual(before);
  const [row] = await harness.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.workspaceId, a.id), eq(auditLog.requestId, response.headers.get('x-request-id') ?? '')));
  expect(row, 'the refusal has its audit row').toMatchObject({ outcome: 'failure', statusCode: expected.status ?? 403 });
  if ((expected.status ?? 403) === 403) expect(JSON.stringify(row?.details)).toContain(expected.rule!);
  return answer;
}

const service = (definition: unknown, name = `s-${randomUUID().slice(0, 6)}`) => ({ name, environment: 'staging', definition });
const job = (workload: unknown) => ({ name: `j-${randomUUID().slice(0, 6)}`, schedule: { cron: '0 0 1 1 *' }, environment: 'staging', workload });

describe('service definitions outside the binding', () => {
  it('refuses workspace B\'s namespace and an unbound one', async () => {
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ namespace: nsB })), { rule: 'namespace-not-bound', path: 'definition.namespace' });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ namespace: 'kube-system' })), { rule: 'namespace-not-bound' });
  });

  it('refuses an image outside the allowed prefixes', async () => {
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ image: 'docker.io/evil/miner:1' })), { rule: 'image-not-allowed', path: 'definition.image' });
  });

  it('refuses local commands where the binding turns them off, and ports outside the range', async () => {
    const answer = await expectRefused('POST', '/api/v1/services', service(localDefinition()), { rule: 'local-commands-off', path: 'definition.local.command' });
    expect(answer.error.message).toMatch(/commands/);
    await expectRefused('POST', '/api/v1/services', service(localDefinition({ local: { port: 5432, previewPort: 20_001, colorPorts: { blue: 20_010, green: 20_011 } } })), {
      rule: 'port-outside-range',
      path: 'definition.local.port',
    });
  });

  it('refuses a backup of a database the binding does not grant, or into a folder it does not', async () => {
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ hooks: { backup: { database: 'platform', directory: '/tmp/cutover-a' } } })), {
      rule: 'database-not-granted',
      path: 'definition.hooks.backup.database',
    });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ hooks: { backup: { database: 'platform', directory: '/etc' } } })), { rule: 'directory-not-granted' });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ hooks: { backup: { database: 'x', directory: '/tmp/cutover-a/../../etc' } } })), { status: 422 });
  });

  it('refuses smoke paths that leave the service and URLs to metadata, the platform or internal names', async () => {
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ smokeChecks: [{ name: 'meta', path: '//169.254.169.254/latest/meta-data' }] })), { status: 422 });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ notifications: { webhookUrl: 'http://169.254.169.254/hook' } })), {
      rule: 'egress-not-allowed',
      path: 'definition.notifications.webhookUrl',
    });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ prometheus: { url: `http://127.0.0.1:${postgresPort}`, query: 'up', threshold: 1 } })), {
      rule: 'egress-not-allowed',
      path: 'definition.prometheus.url',
    });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ endpoints: { preview: `http://127.0.0.1:${temporalPort}/` } })), { rule: 'egress-not-allowed' });
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ notifications: { webhookUrl: 'http://localhost:8080/internal' } })), { rule: 'egress-not-allowed' });
    const template = { metrics: [{ name: 'errors', provider: { type: 'web', url: 'http://10.0.0.1/metrics' } }] };
    await expectRefused('POST', '/api/v1/services', service(kubeDefinition({ analysisTemplates: { errors: template } })), {
      rule: 'egress-not-allowed',
      path: 'definition.analysisTemplates.errors.metrics.0.provider.url',
    });
  });

  it('accepts what the binding gives, and a PUT that steps outside it changes nothing', async () => {
    const accepted = service(kubeDefinition({ notifications: { webhookUrl: 'https://hooks.example.com/T1' } }), 'inside');
    expect((await asA('POST', '/api/v1/services', accepted)).status).toBe(201);
    await expectRefused('PUT', '/api/v1/services/inside', { environment: 'staging', definition: kubeDefinition({ image: 'quay.io/other/web:2' }) }, { rule: 'image-not-allowed' });
    const [row] = await harness.db.select().from(services).where(and(eq(services.workspaceId, a.id), eq(services.name, 'inside')));
    expect(row?.definition).toMatchObject({ image: 'registry.example/a/web:1' });
  });
});

describe('releases outside the binding', () => {
  it('refuses a release whose image, or whose canary analysis, steps outside it', async () => {
    const gateway = { traffic: { provider: 'gateway-api', gateway: { name: 'gw', namespace: nsA } } };
    expect((await asA('POST', '/api/v1/services', service(kubeDefinition(gateway), 'canaried'))).status).toBe(201);
    const release = { service: 'canaried', environment: 'staging', version: '2.0.0' };
    await expectRefused('POST', '/api/v1/deployments', { ...release, image: 'docker.io/evil/miner:2', strategy: 'blue-green' }, { rule: 'image-not-allowed', path: /^image$/ });
    const jobInB = { metrics: [{ name: 'check', provider: { type: 'job', namespace: nsB, image: 'registry.example/a/check:1', command: ['true'] } }] };
    await expectRefused('POST', '/api/v1/deployments', { ...release, strategy: 'canary', options: { steps: [{ setWeight: 20 }, { analysis: jobInB }] } }, {
      rule: 'namespace-not-bound',
      path: /options\.steps\.analysis\.0\.metrics\.0\.provider\.namespace/,
    });
  });
});

describe('operations jobs outside the binding', () => {
  it('refuses another namespace, a ServiceAccount, a local command and the platform database', async () => {
    const kubeJob = { type: 'kubernetes', namespace: nsA, image: 'registry.example/a/job:1', command: ['true'] };
    await expectRefused('POST', '/api/v1/ops/jobs', job({ ...kubeJob, namespace: nsB }), { rule: 'namespace-not-bound', path: 'workload.namespace' });
    await expectRefused('POST', '/api/v1/ops/jobs', job({ ...kubeJob, service_account: 'cluster-admin' }), { rule: 'service-account-not-allowed', path: 'workload.service_account' });
    await expectRefused('POST', '/api/v1/ops/jobs', job({ type: 'local', command: ['cat', '/etc/shadow'] }), { rule: 'local-commands-off' });
    await expectRefused('POST', '/api/v1/ops/jobs', job({ type: 'database-backup', database: 'platform', directory: '/tmp/cutover-a' }), { rule: 'database-not-granted' });
    await expectRefused('POST', '/api/v1/ops/jobs', job({ type: 'database-backup', database: 'platform', directory: '/tmp/cutover-a/../../../root' }), { status: 422 });
  });

  it('is checked again when it runs: a job whose binding narrowed since it was saved fails and runs nothing', async () => {
    const marker = `/tmp/cutover-boundary-${randomUUID()}`;
    await bindTestWorkspace(harness.db, b.id, 'local', { ...testPolicy.local, localCommands: true });
    const created = await harness.call('POST', '/api/v1/ops/jobs', {
      token: b.tokens.operator,
      body: { ...job({ type: 'local', command: ['touch', marker] }), environment: 'ops' },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await bindTestWorkspace(harness.db, b.id, 'local', { ...testPolicy.local, localCommands: false });
    const triggered = await harness.call('POST', `/api/v1/ops/jobs/${id}/trigger`, { token: b.tokens.operator, body: { confirm: true } });
    expect(triggered.status, await triggered.clone().text()).toBe(202);
    const run = await eventually(async () => {
      const runs = (await (await harness.call('GET', `/api/v1/ops/jobs/${id}/runs`, { token: b.tokens.viewer })).json()) as { items: Array<{ status: string; error: string | null }> };
      const last = runs.items[0];
      if (!last || ['pending', 'running'].includes(last.status)) throw new Error('still running');
      return last;
    }, 30_000);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/outside the binding.*commands/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker), 'the command never ran').toBe(false);
  });
});

describe('bindings are the platform admins\'', () => {
  it('refuses workspace admins, and a namespace another workspace environment holds', async () => {
    const body = { workspace_id: a.id, environment: 'staging', target: cluster, policy: { namespaces: [nsB] } };
    const byWorkspaceAdmin = await harness.call('PUT', '/api/v1/admin/bindings', { token: a.tokens.admin, body });
    expect(byWorkspaceAdmin.status).toBe(403);
    const taken = await harness.call('PUT', '/api/v1/admin/bindings', { token: platformAdmin, body });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as ErrorBody).error.message).toMatch(new RegExp(`namespace ${nsB} is bound`));
    // Nothing of it was kept: A's staging still falls back to its `*` binding.
    const own = (await (await harness.call('GET', '/api/v1/bindings', { token: a.tokens.viewer })).json()) as { items: Array<{ environment: string; workspace_id: string }> };
    expect(own.items.map((item) => item.environment)).not.toContain('staging');
    expect(new Set(own.items.map((item) => item.workspace_id))).toEqual(new Set([a.id]));
  });

  it('lets a platform admin register a target and bind an environment that then may release there', async () => {
    const name = `t-${randomUUID().slice(0, 8)}`;
    expect((await harness.call('POST', '/api/v1/admin/targets', { token: platformAdmin, body: { name, kind: 'kubernetes' } })).status).toBe(201);
    expect((await harness.call('POST', '/api/v1/admin/targets', { token: platformAdmin, body: { name, kind: 'kubernetes' } })).status).toBe(409);
    const ns = `c-${randomUUID().slice(0, 8)}`;
    const bound = await harness.call('PUT', '/api/v1/admin/bindings', {
      token: platformAdmin,
      body: { workspace_id: a.id, environment: 'canary-env', target: name, policy: { namespaces: [ns], imagePrefixes: ['*'] } },
    });
    expect(bound.status, await bound.clone().text()).toBe(200);
    const registered = await asA('POST', '/api/v1/services', { name: 'bound-web', environment: 'canary-env', definition: kubeDefinition({ namespace: ns, image: 'any/image:1' }) });
    expect(registered.status, await registered.clone().text()).toBe(201);
    // The environment's own binding wins over the workspace's `*`: A's namespace is not bound there.
    await expectRefused('POST', '/api/v1/services', { name: 'x', environment: 'canary-env', definition: kubeDefinition() }, { rule: 'namespace-not-bound' });
  });
});

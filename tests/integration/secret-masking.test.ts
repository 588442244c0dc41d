// needs: Postgres, Temporal dev server
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findService } from '../../src/db/repositories/services.ts';
import type { Role } from '../../src/db/schema/index.ts';
import type { ServiceDefinition } from '../../src/services/definition.ts';
import { bindTestWorkspace, testPolicy } from '../support/bindings.ts';
import { createTestWorkspace, eventually, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// Secret-bearing fields of a service definition are write-only: no answer any role can get carries them, and a
// PUT that sends back what a GET showed keeps them.
let harness: Harness;
let workspace: TestWorkspace;
/** This file's own namespace: a namespace belongs to one binding. */
const namespace = `mask-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  harness = await startHarness();
  workspace = await createTestWorkspace(harness.db, 'mask');
  // The definitions' URLs (webhook, Prometheus, analyses) are on hosts the binding lets the worker reach.
  await bindTestWorkspace(harness.db, workspace.id, 'kubernetes', { ...testPolicy.kubernetes, namespaces: [namespace], egress: { hosts: ['*.example.test'], cidrs: [] } });
});
afterAll(() => harness?.close());

const marker = (what: string) => `marker-${what}-${randomUUID()}`;
const markers = {
  env: marker('env'),
  migrationEnv: marker('migration-env'),
  webhook: marker('webhook'),
  header: marker('header'),
  urlPassword: marker('url-password'),
};

const analysisTemplate = (url: string, authorization: string) => ({
  metrics: [{ name: 'errors', provider: { type: 'web', url, jsonPath: 'rate', headers: { authorization } }, successCondition: 'result < 0.05' }],
});
const definition = {
  namespace,
  image: 'web:1',
  ports: [{ port: 80 }],
  env: { DB_PASSWORD: markers.env, LOG_LEVEL: 'debug' },
  secretEnv: ['DB_PASSWORD'],
  hooks: { migration: { command: ['migrate'], env: { MIGRATION_TOKEN: markers.migrationEnv }, secretEnv: ['MIGRATION_TOKEN'] } },
  notifications: { webhookUrl: `https://hooks.example.test/services/${markers.webhook}` },
  prometheus: { url: `http://cutover:${markers.urlPassword}@prometheus.example.test:9090`, query: 'up', threshold: 1 },
  analysisTemplates: { 'error-rate': analysisTemplate('https://metrics.example.test/rate', `Bearer ${markers.header}`) },
};

interface ServiceBody {
  definition: ServiceDefinition & { env: Record<string, string> };
}

/** Every answer body read in this file: none may carry a marker. */
const answers: string[] = [];
async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await harness.call(method, path, { token, body });
  const text = await response.text();
  answers.push(`${method} ${path} → ${response.status}: ${text}`);
  return { status: response.status, text };
}
const stored = async (name: string) => (await findService(harness.db, workspace.id, 'staging', name))!.definition as ServiceBody['definition'];
const tokens = () => workspace.tokens;
const roles: Role[] = ['viewer', 'operator', 'admin'];

describe('secret-bearing fields in API answers', () => {
  it('are masked in every answer a viewer, an operator and an admin can get', async () => {
    const created = await call('POST', '/api/v1/services', tokens().operator, { name: 'web', environment: 'staging', definition });
    expect(created.status).toBe(201);
    const shown = (JSON.parse(created.text) as ServiceBody).definition;
    expect(shown.env).toEqual({ DB_PASSWORD: '********', LOG_LEVEL: 'debug' });
    expect(shown.notifications?.webhookUrl).toBe('********');
    expect(shown.prometheus?.url).toBe('http://********@prometheus.example.test:9090');
    expect(shown.analysisTemplates['error-rate']?.metrics[0]?.provider).toMatchObject({ headers: { authorization: '********' } });
    expect(shown.hooks?.migration?.env).toEqual({ MIGRATION_TOKEN: '********' });
    expect((await call('POST', '/api/v1/services', tokens().admin, { name: 'api', environment: 'staging', definition })).status).toBe(201);
    expect((await call('POST', '/api/v1/services', tokens().viewer, { name: 'viewer-web', environment: 'staging', definition })).status).toBe(403);

    const deployment = await call('POST', '/api/v1/deployments', tokens().operator, { service: 'web', environment: 'staging', version: '1.0.0', strategy: 'dry-run' });
    expect(deployment.status).toBe(201);
    const { id } = JSON.parse(deployment.text) as { id: string };
    await eventually(async () => {
      const response = await harness.call('GET', `/api/v1/deployments/${id}`, { token: tokens().viewer });
      return ((await response.json()) as { status: string }).status === 'succeeded' ? true : undefined;
    });

    const masked = (JSON.parse((await call('GET', '/api/v1/services/web?environment=staging', tokens().operator)).text) as { items: ServiceBody[] }).items[0]!;
    for (const role of ['operator', 'admin'] as const) {
      const put = await call('PUT', '/api/v1/services/web', tokens()[role], { environment: 'staging', definition: masked.definition });
      expect(put.status).toBe(200);
    }
    for (const role of roles) {
      for (const path of ['/api/v1/services', '/api/v1/services?environment=staging', '/api/v1/services/web', '/api/v1/services/api?environment=staging']) {
        expect((await call('GET', path, tokens()[role])).status).toBe(200);
      }
      expect((await call('GET', '/api/v1/deployments', tokens()[role])).status).toBe(200);
      expect((await call('GET', `/api/v1/deployments/${id}`, tokens()[role])).status).toBe(200);
      await call('GET', '/api/v1/audit?limit=100', tokens()[role]);
    }
    const audit = JSON.parse((await call('GET', '/api/v1/audit?limit=100', tokens().admin)).text) as { items: Array<{ action: string }> };
    expect(audit.items.map((item) => item.action)).toEqual(expect.arrayContaining(['service.create', 'service.update', 'deployment.create']));

    const leaks = answers.filter((answer) => Object.values(markers).some((value) => answer.includes(value)));
    expect(leaks).toEqual([]);
    // The answers were read back in full: the markers are still what the database holds.
    expect((await stored('web')).env.DB_PASSWORD).toBe(markers.env);
  });
});

describe('writing secrets back', () => {
  it('keeps the stored value where a PUT sends ********, and stores a new value where it sends one', async () => {
    expect((await call('POST', '/api/v1/services', tokens().operator, { name: 'keep', environment: 'staging', definition })).status).toBe(201);
    const shown = (JSON.parse((await call('GET', '/api/v1/services/keep?environment=staging', tokens().operator)).text) as { items: ServiceBody[] }).items[0]!;

    const kept = await call('PUT', '/api/v1/services/keep', tokens().operator, { environment: 'staging', definition: { ...shown.definition, image: 'web:2' } });
    expect(kept.status).toBe(200);
    const afterKeep = await stored('keep');
    expect(afterKeep).toMatchObject({
      image: 'web:2',
      env: definition.env,
      hooks: { migration: { env: definition.hooks.migration.env } },
      notifications: definition.notifications,
      prometheus: { url: definition.prometheus.url },
    });
    expect(afterKeep.analysisTemplates['error-rate']?.metrics[0]?.provider).toMatchObject({ headers: { authorization: `Bearer ${markers.header}` } });

    const fresh = marker('new-password');
    const replaced = await call('PUT', '/api/v1/services/keep', tokens().operator, {
      environment: 'staging',
      definition: { ...shown.definition, env: { ...shown.definition.env, DB_PASSWORD: fresh } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.text).not.toContain(fresh);
    expect((await stored('keep')).env.DB_PASSWORD).toBe(fresh);
  });

  it('refuses ******** where there is no stored secret to keep, or where keeping it would reveal or redirect it', async () => {
    expect((await call('POST', '/api/v1/services', tokens().operator, { name: 'refuse', environment: 'staging', definition })).status).toBe(201);
    const before = await stored('refuse');
    const shown = (JSON.parse((await call('GET', '/api/v1/services/refuse?environment=staging', tokens().operator)).text) as { items: ServiceBody[] }).items[0]!
      .definition;
    const refusals: Array<[unknown, string]> = [
      // A new secret sent as the placeholder: there is nothing to keep.
      [{ ...shown, env: { ...shown.env, API_KEY: '********' }, secretEnv: ['DB_PASSWORD', 'API_KEY'] }, 'json.definition.env.API_KEY'],
      // Unmarking a secret while sending the placeholder would store it where answers show it.
      [{ ...shown, secretEnv: [] }, 'json.definition.env.DB_PASSWORD'],
      // The header's provider moved: the kept bearer token would go to a new host.
      [{ ...shown, analysisTemplates: { 'error-rate': analysisTemplate('https://elsewhere.example.test/rate', '********') } }, 'json.definition.analysisTemplates.error-rate.metrics.0.provider.headers.authorization'],
      // Masked URL credentials on a different host.
      [{ ...shown, prometheus: { ...shown.prometheus, url: 'http://********@elsewhere.example.test:9090' } }, 'json.definition.prometheus.url'],
    ];
    for (const [sent, path] of refusals) {
      const response = await call('PUT', '/api/v1/services/refuse', tokens().operator, { environment: 'staging', definition: sent });
      expect(response.status).toBe(422);
      expect((JSON.parse(response.text) as { error: { details: Array<{ path: string }> } }).error.details.map((detail) => detail.path)).toContain(path);
    }
    expect(await stored('refuse')).toEqual(before);

    const create = await call('POST', '/api/v1/services', tokens().operator, { name: 'placeholder', environment: 'staging', definition: { ...definition, notifications: { webhookUrl: '********' } } });
    expect(create.status).toBe(422);
    expect(create.text).toContain('json.definition.notifications.webhookUrl');
  });

  it('refuses a secretEnv that names a key env does not have (422)', async () => {
    const response = await call('POST', '/api/v1/services', tokens().operator, {
      name: 'typo',
      environment: 'staging',
      definition: { ...definition, secretEnv: ['DB_PASWORD'] },
    });
    expect(response.status).toBe(422);
    expect(response.text).toContain('json.definition.secretEnv.0');
    const migration = await call('POST', '/api/v1/services', tokens().operator, {
      name: 'typo',
      environment: 'staging',
      definition: { ...definition, hooks: { migration: { command: ['migrate'], secretEnv: ['NOPE'] } } },
    });
    expect(migration.status).toBe(422);
    expect(migration.text).toContain('json.definition.hooks.migration.secretEnv.0');
    expect(await findService(harness.db, workspace.id, 'staging', 'typo')).toBeUndefined();
  });
});

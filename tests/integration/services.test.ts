// needs: Postgres, Temporal dev server (no worker, no cluster)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindNamespaces } from '../support/bindings.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// Service definitions through the API: register, read, replace.
let harness: Harness;
let workspace: TestWorkspace;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'svc');
  await bindNamespaces(harness.db, workspace.id, [namespace]);
});
afterAll(() => harness?.close());

/** This file's own namespace: a namespace belongs to one binding. */
const namespace = `svc-${randomUUID().slice(0, 8)}`;
const definition = { namespace, image: 'web:1', ports: [{ port: 80 }] };
interface ServiceBody {
  definition: { replicas?: number; namespace?: string; smokeChecks: unknown[] };
  updated_at: string;
}

const call = (method: string, path: string, body?: unknown, token = workspace.tokens.operator) => harness.call(method, path, { token, body });
const read = async (name: string) => ((await (await call('GET', `/api/v1/services/${name}?environment=staging`)).json()) as { items: ServiceBody[] }).items[0];

describe('replacing a service definition', () => {
  it('stores the new definition, moves updated_at and audits the change', async () => {
    expect((await call('POST', '/api/v1/services', { name: 'web', environment: 'staging', definition })).status).toBe(201);
    const before = await read('web');

    const smokeChecks = [{ name: 'health', path: '/healthz' }];
    const response = await call('PUT', '/api/v1/services/web', { environment: 'staging', definition: { ...definition, replicas: 4, smokeChecks } });
    expect(response.status).toBe(200);
    const updated = (await response.json()) as ServiceBody;
    expect(updated.definition).toMatchObject({ replicas: 4, smokeChecks: [{ name: 'health', path: '/healthz', method: 'GET' }] });
    expect(await read('web')).toEqual(updated);
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(before!.updated_at));

    const audit = (await (await call('GET', '/api/v1/audit?limit=5', undefined, workspace.tokens.admin)).json()) as {
      items: Array<{ action: string; target: string; outcome: string }>;
    };
    expect(audit.items[0]).toMatchObject({ action: 'service.update', target: 'service/staging/web', outcome: 'success' });
  });

  it('refuses to move a service to another namespace or target, and changes nothing', async () => {
    expect((await call('POST', '/api/v1/services', { name: 'api', environment: 'staging', definition })).status).toBe(201);
    const before = await read('api');
    const local = { target: 'local', image: 'app.mjs', local: { port: 8600, previewPort: 8601, colorPorts: { blue: 8610, green: 8611 } } };
    for (const moved of [{ ...definition, namespace: 'elsewhere' }, local]) {
      const response = await call('PUT', '/api/v1/services/api', { environment: 'staging', definition: moved });
      expect(response.status).toBe(409);
      expect(((await response.json()) as { error: { code: string; message: string } }).error.message).toMatch(/cannot change/);
    }
    expect(await read('api')).toEqual(before);
  });

  it('answers 404 for a service not registered in that environment, 403 to a viewer, 422 to a bad definition', async () => {
    expect((await call('PUT', '/api/v1/services/ghost', { environment: 'staging', definition })).status).toBe(404);
    expect((await call('PUT', '/api/v1/services/web', { environment: 'production', definition })).status).toBe(404);
    expect((await call('PUT', '/api/v1/services/web', { environment: 'staging', definition }, workspace.tokens.viewer)).status).toBe(403);
    const bad = await call('PUT', '/api/v1/services/web', { environment: 'staging', definition: { ...definition, replicas: 0 } });
    expect(bad.status).toBe(422);
    expect((await read('web'))?.definition.replicas).toBe(4);
  });
});

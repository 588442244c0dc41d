// needs: Postgres, Temporal dev server (no worker)
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, deployments, services, workspaces } from '../../src/db/schema/index.ts';
import { bindNamespaces } from '../support/bindings.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

// Every endpoint, fed malformed or out-of-range input: one error shape, a 4xx, and nothing changed.
let harness: Harness;
let workspace: TestWorkspace;
const someId = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'bad');
  await bindNamespaces(harness.db, workspace.id, [namespace]);
});
afterAll(() => harness?.close());

/** This workspace's rows (other test files write to the same database at the same time). */
async function rowCounts(): Promise<number[]> {
  return Promise.all([
    harness.db.$count(workspaces, eq(workspaces.name, 'under_score')),
    ...[apiTokens, services, deployments].map((table) => harness.db.$count(table, eq(table.workspaceId, workspace.id))),
  ]);
}

/** This file's own namespace: a namespace belongs to one binding. */
const namespace = `bad-${randomUUID().slice(0, 8)}`;
const definition = { namespace, image: 'web:1', ports: [{ port: 80 }] };

const cases: Array<[string, string, unknown, number]> = [
  ['POST', '/api/v1/workspaces', { name: 'under_score' }, 422],
  ['POST', '/api/v1/workspaces', { name: 'x'.repeat(51) }, 422],
  ['POST', '/api/v1/tokens', { name: '', role: 'owner' }, 422],
  ['DELETE', '/api/v1/tokens/not-a-uuid', undefined, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, replicas: 0 } }, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, ports: [] } }, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, ports: [{ port: 70000 }] } }, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, endpoints: { stable: 'nope' } } }, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, smokeChecks: [{ name: 'x', path: 'no-slash' }] } }, 422],
  ['GET', '/api/v1/services?environment=Bad_Env', undefined, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: 'v 1', strategy: 'dry-run' }, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'blue-green', options: { timings: { failureThreshold: 0 } } }, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'blue-green', options: { timings: { rolloutTimeoutMs: -1 } } }, 422],
  ['POST', '/api/v1/deployments', [1, 2, 3], 422],
  ['GET', '/api/v1/deployments?limit=0', undefined, 422],
  ['GET', '/api/v1/deployments?status=exploded', undefined, 422],
  ['GET', '/api/v1/deployments/not-a-uuid/events', undefined, 422],
  ['POST', `/api/v1/deployments/${someId}/approve`, { approver: '', confirm: 'web' }, 422],
  ['POST', `/api/v1/deployments/${someId}/approve`, { approver: 'ada', confirm: 'web' }, 404],
  ['POST', `/api/v1/deployments/${someId}/abort`, { reason: 'x', extra: 1 }, 422],
  ['POST', `/api/v1/deployments/${someId}/promote`, undefined, 404],
  ['POST', '/api/v1/services/web/switch', { environment: 'staging', to: 'red', confirm: 'web' }, 422],
  ['POST', '/api/v1/services/web/switch', { environment: 'staging', to: 'blue', confirm: 'web' }, 404],
  ['POST', '/api/v1/services/web/rollback', {}, 422],
  ['GET', '/api/v1/services/web/history', undefined, 422],
  ['GET', '/api/v1/services/web/environments?environment=staging', undefined, 404],
  ['GET', '/api/v1/audit?limit=100000', undefined, 422],
  // Local target definitions.
  ['POST', '/api/v1/services', { name: 'loc', environment: 'staging', definition: { target: 'local', image: 'a.mjs', local: { port: 9000, previewPort: 9000, colorPorts: { blue: 9001, green: 9002 } } } }, 422],
  ['POST', '/api/v1/services', { name: 'loc', environment: 'staging', definition: { target: 'local', image: 'a.mjs', local: { port: 9000, previewPort: 9003, colorPorts: { blue: 9001 } } } }, 422],
  ['POST', '/api/v1/services', { name: 'loc', environment: 'staging', definition: { target: 'local', image: 'a.mjs', namespace: 'shop', local: { port: 9000, previewPort: 9003, colorPorts: { blue: 9001, green: 9002 } } } }, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, traffic: { provider: 'gateway-api' } } }, 422],
  ['POST', '/api/v1/services', { name: 'web', environment: 'staging', definition: { ...definition, traffic: { provider: 'local-proxy' } } }, 422],
  // Canaries, traffic and retries.
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'canary', options: { steps: [{ setWeight: 101 }] } }, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'canary', options: { steps: [] } }, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'canary', options: { steps: [{ jump: 1 }] } }, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'canary', options: { steps: [{ analysis: { metrics: [{ name: 'm', provider: { type: 'web', url: 'http://x' }, successCondition: 'result <' }] } }] } }, 422],
  ['POST', '/api/v1/deployments', { service: 'web', environment: 'dev', version: '1', strategy: 'canary', options: { steps: [{ analysis: { metrics: [{ name: 'm', provider: { type: 'carrier-pigeon' } }] } }] } }, 422],
  ['POST', `/api/v1/deployments/${someId}/promote`, { full: 'yes' }, 422],
  ['POST', `/api/v1/deployments/${someId}/retry`, undefined, 404],
  ['POST', '/api/v1/deployments/not-a-uuid/retry', undefined, 422],
  ['POST', '/api/v1/services/web/traffic', { environment: 'staging', blue: 30, green: 60 }, 422],
  ['POST', '/api/v1/services/web/traffic', { environment: 'staging', blue: 30.5, green: 69.5 }, 422],
  ['POST', '/api/v1/services/web/traffic', { environment: 'staging', blue: 30, green: 70, red: 0 }, 422],
  ['POST', '/api/v1/services/web/traffic', { environment: 'staging', blue: 30, green: 70 }, 404],
  ['GET', '/api/v1/services/web/traffic', undefined, 422],
];

describe('malformed and out-of-range input', () => {
  it.each(cases)('%s %s -> %i', async (method, path, body, status) => {
    const before = await rowCounts();
    const response = await harness.call(method, path, { token: path.startsWith('/api/v1/workspaces') ? workspace.platformAdmin : workspace.tokens.admin, body });
    expect(response.status).toBe(status);
    const error = ((await response.json()) as { error: { code: string; requestId: string } }).error;
    expect(error.code).toBe(status === 404 ? 'not_found' : 'validation_failed');
    expect(error.requestId).toBe(response.headers.get('x-request-id'));
    expect(await rowCounts()).toEqual(before);
  });

  it('answers a body that is not JSON on every JSON endpoint with 400 invalid_json', async () => {
    for (const path of ['/api/v1/workspaces', '/api/v1/tokens', '/api/v1/services', '/api/v1/deployments', '/api/v1/services/web/rollback']) {
      const response = await harness.call('POST', path, { token: path === '/api/v1/workspaces' ? workspace.platformAdmin : workspace.tokens.admin, rawBody: '{not json' });
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    }
  });
});

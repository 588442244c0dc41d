// needs: Postgres, Temporal dev server (no worker)
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/create-app.ts';
import { freePort } from '../support/ports.ts';
import { startHarness, testLogger, type Harness } from '../support/harness.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ worker: false });
});
afterAll(() => harness?.close());

describe('health endpoints', () => {
  it('/healthz says the process is alive', async () => {
    const response = await harness.call('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the database and Temporal answer', async () => {
    const response = await harness.call('GET', '/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, temporal: { ok: true } } });
  });

  it('/readyz is 503 when Temporal cannot be reached', async () => {
    const deadAddress = `127.0.0.1:${await freePort()}`;
    const connection = Connection.lazy({ address: deadAddress, connectTimeout: 500 });
    const app = createApp({
      db: harness.db,
      temporal: new Client({ connection }),
      logger: testLogger,
      taskQueue: 'unused',
      temporalUiUrl: 'http://localhost:8233',
      targets: createTargetDeps({ startSupervisor: false, watchKubernetes: false }),
    });
    const response = await app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'not_ready', checks: { database: { ok: true }, temporal: { ok: false } } });
  });
});

// needs: Temporal dev server (the database is the embedded one, PGlite in a temporary folder)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/bootstrap.ts';
import { openDatabase } from '../../src/db/client.ts';
import { eventually, startHarness, type Harness } from '../support/harness.ts';

// The dev command's path when DATABASE_URL is unset: PGlite in the data folder, with the same migrations.
let dataDir: string;
let harness: Harness;
let adminToken: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'cutover-pglite-'));
  const database = await openDatabase({ kind: 'pglite', dataDir });
  await database.migrate();
  const { createdToken } = await bootstrapAdmin(database.db, { createIfMissing: true });
  if (!createdToken) throw new Error('expected a first admin token');
  adminToken = createdToken;
  harness = await startHarness({ database });
});
afterAll(async () => {
  await harness?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded database', () => {
  it('runs a release end to end on PGlite', async () => {
    const created = await harness.call('POST', '/api/v1/deployments', {
      token: adminToken,
      body: { service: 'embedded', environment: 'dev', version: '0.1.0', strategy: 'dry-run' },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const done = await eventually(async () => {
      const body = (await (await harness.call('GET', `/api/v1/deployments/${id}`, { token: adminToken })).json()) as {
        status: string;
        steps: unknown[];
      };
      return body.status === 'succeeded' ? body : undefined;
    });
    expect(done.steps).toHaveLength(8);
  });

  it('creates the first admin token only once, and keeps data across a reopen', async () => {
    const again = await bootstrapAdmin(harness.db, { createIfMissing: true });
    expect(again.createdToken).toBeUndefined();
    expect((await harness.call('GET', '/api/v1/tokens', { token: adminToken })).status).toBe(200);
  });
});

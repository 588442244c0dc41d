// needs: nothing but the embedded database (PGlite in a temporary folder)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/bootstrap.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { findActiveToken, findTokenByPlaintext, revokeApiToken } from '../../src/db/repositories/workspaces.ts';
import { generateApiToken } from '../../src/lib/api-token.ts';

// CUTOVER_ADMIN_TOKEN at every start: made a platform admin once, and once revoked it stays revoked — the next
// start neither fails (it did: the insert met the revoked row's hash) nor brings the token back.
let dataDir: string;
let database: DatabaseHandle;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'cutover-bootstrap-'));
  database = await openDatabase({ kind: 'pglite', dataDir });
  await database.migrate();
});
afterAll(async () => {
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the bootstrap admin token', () => {
  it('becomes a platform admin, and a revoked one stays revoked on the next start', async () => {
    const adminToken = generateApiToken();
    const first = await bootstrapAdmin(database.db, { adminToken, createIfMissing: false });
    const found = await findActiveToken(database.db, adminToken);
    expect(found?.token).toMatchObject({ role: 'admin', platformAdmin: true });
    expect(await bootstrapAdmin(database.db, { adminToken, createIfMissing: false })).toEqual({ workspace: first.workspace });

    expect(await revokeApiToken(database.db, first.workspace.id, found!.token.id)).toBe(true);
    const again = await bootstrapAdmin(database.db, { adminToken, createIfMissing: false });
    expect(again.adminTokenRevoked).toBe(true);
    expect(await findActiveToken(database.db, adminToken)).toBeUndefined();
    expect((await findTokenByPlaintext(database.db, adminToken))?.revokedAt).toBeInstanceOf(Date);
  });
});

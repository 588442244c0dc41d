import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';

/** The local server the tests use; TEST_DATABASE_URL points elsewhere (its database is only used to connect). */
export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A new, migrated database on the test server; drop() removes it. */
export async function createTestDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = adminDatabaseUrl();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 1 });
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await sql.end();
      }
    },
  };
}

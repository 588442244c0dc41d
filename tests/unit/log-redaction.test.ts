// needs: Postgres (its query errors are provoked against the real server)
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/create-app.ts';
import { openDatabase } from '../../src/db/client.ts';
import { hashApiToken } from '../../src/lib/api-token.ts';
import { createLogger } from '../../src/logger.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { adminDatabaseUrl } from '../support/postgres.ts';

// What a logger built by createLogger writes: no credentials by key, and no query's bound values, from errors
// provoked against the real Postgres the tests use.

function capture() {
  let written = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: 'info' }, { component: 'test' }, stream), output: () => written };
}

const marker = (what: string) => `marker-${what}-${randomUUID()}`;

describe('log redaction', () => {
  it('drops tokens, authorization headers, header maps, webhook URLs and URL credentials', () => {
    const { logger, output } = capture();
    const markers = { token: marker('token'), bearer: marker('bearer'), cookie: marker('cookie'), webhook: marker('webhook'), password: marker('password'), header: marker('header') };
    logger.info({ token: markers.token, authorization: `Bearer ${markers.bearer}`, event: 'started' }, 'by key');
    logger.info({ req: { headers: { authorization: `Bearer ${markers.bearer}`, cookie: markers.cookie } } }, 'nested headers');
    logger.warn({ url: `https://hooks.example.test/services/${markers.webhook}`, event: 'switched' }, 'webhook notification not delivered');
    logger.info({ definition: { notifications: { webhookUrl: `https://hooks.example.test/${markers.webhook}` } } }, 'a definition');
    logger.info({ definition: { analysisTemplates: { rate: { metrics: [{ provider: { headers: { 'x-api-key': markers.header } } }] } } } }, 'templates');
    logger.info({ databaseUrl: `postgres://cutover:${markers.password}@db:5432/cutover` }, `connecting to postgres://cutover:${markers.password}@db:5432/cutover`);

    const written = output();
    expect(written.split('\n').filter(Boolean)).toHaveLength(6);
    expect(written).toContain('"event":"switched"');
    expect(written).toContain('postgres://********@db:5432/cutover');
    for (const value of Object.values(markers)) expect(written).not.toContain(value);
  });

  describe('query errors from the real Postgres', () => {
    const client = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    const db = drizzle(client);
    afterAll(() => client.end());

    async function failure(query: () => Promise<unknown>): Promise<unknown> {
      try {
        await query();
      } catch (error) {
        return error;
      }
      throw new Error('the query was expected to fail');
    }

    it('never print bound values: not the params, nor a message, a detail or a stack quoting them', async () => {
      const { logger, output } = capture();
      const markers = { cast: marker('cast'), missing: marker('missing'), duplicate: marker('duplicate'), raw: marker('raw') };
      // The server quotes the value in its message: invalid input syntax for type uuid: "marker-...".
      const cast = await failure(() => db.execute(sql`select ${markers.cast}::uuid`));
      const missing = await failure(() => db.execute(sql`select * from no_such_table_here where token_hash = ${markers.missing}`));
      // The server quotes the row in its detail: Key (k)=(marker-...) already exists.
      await db.execute(sql`create temporary table log_redaction_keys (k text primary key)`);
      await db.execute(sql`insert into log_redaction_keys values (${markers.duplicate})`);
      const duplicate = await failure(() => db.execute(sql`insert into log_redaction_keys values (${markers.duplicate})`));
      // postgres.js without drizzle: the parameters are on the error, hidden; the message quotes the value.
      const raw = await failure(() => client`select ${markers.raw}::uuid`);

      for (const error of [cast, missing, duplicate, raw]) {
        logger.error({ err: error }, 'request failed');
        // Where the Temporal SDK puts an activity's failure.
        logger.warn({ error }, 'Activity failed');
        logger.error(error as Error);
      }

      const written = output();
      expect(written.split('\n').filter(Boolean)).toHaveLength(12);
      // The errors are there, with their SQL text and the server's code.
      expect(written).toContain('Failed query: select * from no_such_table_here where token_hash = $1');
      expect(written).toContain('invalid input syntax for type uuid');
      expect(written).toContain('"code":"22P02"');
      expect(written).toContain('duplicate key value violates unique constraint');
      // The drivers' fields of bound values and quoted rows are gone, short values included.
      expect(written).not.toMatch(/"(params|parameters|args|detail)":/);
      for (const value of Object.values(markers)) expect(written).not.toContain(value);
    });
  });

  describe('the API', () => {
    const name = `cutover_log_${randomUUID().replaceAll('-', '')}`;
    const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    let close: () => Promise<void>;
    let app: ReturnType<typeof createApp>;
    const { logger, output } = capture();

    beforeAll(async () => {
      // A database without Cutover's tables: the token lookup fails with the token's hash as its parameter.
      await admin.unsafe(`create database "${name}"`);
      const url = new URL(adminDatabaseUrl());
      url.pathname = `/${name}`;
      const handle = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 1 });
      const targets = createTargetDeps({ startSupervisor: false, watchKubernetes: false });
      app = createApp({ db: handle.db, temporal: new Client(), logger, taskQueue: 'unused', temporalUiUrl: 'http://localhost:8233', targets });
      close = async () => {
        await targets.close();
        await handle.close();
      };
    });
    afterAll(async () => {
      await close?.();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    });

    it('logs a failed request without its token, its hash or its query string', async () => {
      const token = `cut_${marker('token')}`;
      const query = marker('query');
      const response = await app.request(`/api/v1/services?environment=staging&token=${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(500);

      const written = output();
      expect(written).toContain('"msg":"request failed"');
      expect(written).toContain('"msg":"request"');
      expect(written).toContain('"path":"/api/v1/services"');
      for (const value of [token, hashApiToken(token), query]) expect(written).not.toContain(value);
    });
  });
});

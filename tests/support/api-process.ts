// An API in a process of its own (two of them share one database, like replicas behind a load balancer).
// Configured by environment: TEST_DATABASE, TEST_TEMPORAL_ADDRESS, TEST_TASK_QUEUE; prints "api listening on PORT".
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../../src/api/create-app.ts';
import { serveApp } from '../../src/api/serve.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { cutoverDataConverter } from '../../src/temporal/codec.ts';
import { testPayloadKeys } from './payload-keys.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const database = await openDatabase({ kind: 'postgres', url: env('TEST_DATABASE'), maxConnections: 4 });
const connection = await Connection.connect({ address: env('TEST_TEMPORAL_ADDRESS') });
const temporal = new Client({ connection, dataConverter: cutoverDataConverter(testPayloadKeys) });
const targets = createTargetDeps({ startSupervisor: false, watchKubernetes: false });
const app = createApp({ db: database.db, temporal, logger: pino({ level: 'warn' }), taskQueue: env('TEST_TASK_QUEUE'), temporalUiUrl: 'http://localhost:8233', targets });
const server = await serveApp(app, { port: 0, hostname: '127.0.0.1' });
process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await targets.close();
    await connection.close();
    await database.close();
  })();
});
process.stdout.write(`api listening on ${server.port}\n`);

// A worker in a process of its own, so a test can kill it with SIGKILL mid-release and start another.
// Configured by environment: TEST_DATABASE, TEST_TEMPORAL_ADDRESS, TEST_TASK_QUEUE, TEST_BUNDLE, and TEST_KUBECONFIG
// (Kubernetes releases) or TEST_SUPERVISOR_DIR with TEST_SUPERVISOR_PORT (local releases).
import { NativeConnection } from '@temporalio/worker';
import { pino } from 'pino';
import { openDatabase } from '../../src/db/client.ts';
import { lazyKubeClients } from '../../src/targets/kubernetes/client.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorker } from '../../src/temporal/worker.ts';
import { testPayloadKeys } from './payload-keys.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const logger = pino({ level: 'warn' });
installTemporalRuntime(logger);
const database = await openDatabase({ kind: 'postgres', url: env('TEST_DATABASE'), maxConnections: 2 });
const connection = await NativeConnection.connect({ address: env('TEST_TEMPORAL_ADDRESS') });
const worker = await createWorker({
  db: database.db,
  logger,
  connection,
  namespace: 'default',
  taskQueue: env('TEST_TASK_QUEUE'),
  payloadKeys: testPayloadKeys,
  workflowBundle: { codePath: env('TEST_BUNDLE') },
  kube: process.env.TEST_KUBECONFIG ? lazyKubeClients(process.env.TEST_KUBECONFIG) : undefined,
  localTarget: process.env.TEST_SUPERVISOR_DIR
    ? { dataDir: process.env.TEST_SUPERVISOR_DIR, port: Number(env('TEST_SUPERVISOR_PORT')) }
    : undefined,
});
process.once('SIGTERM', () => worker.shutdown());
process.stdout.write('worker running\n');
await worker.run();
await connection.close();
await database.close();

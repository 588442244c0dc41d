// A worker in a process of its own, so a test can kill it with SIGKILL mid-release and start another.
// Configured by environment: TEST_DATABASE, TEST_TEMPORAL_ADDRESS, TEST_TASK_QUEUE, TEST_BUNDLE, TEST_KUBECONFIG.
import { NativeConnection } from '@temporalio/worker';
import { pino } from 'pino';
import { openDatabase } from '../../src/db/client.ts';
import { lazyKubeClients } from '../../src/targets/kubernetes/client.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorker } from '../../src/temporal/worker.ts';

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
  workflowBundle: { codePath: env('TEST_BUNDLE') },
  kube: lazyKubeClients(env('TEST_KUBECONFIG')),
});
process.once('SIGTERM', () => worker.shutdown());
process.stdout.write('worker running\n');
await worker.run();
await connection.close();
await database.close();

// Production entry point of the worker: config -> deps -> activities; stops cleanly on SIGINT/SIGTERM.
import { platformPorts } from './src/bindings/platform-ports.ts';
import { loadConfig } from './src/config.ts';
import { databaseOptionsFromConfig, openDatabase } from './src/db/client.ts';
import { createLogger } from './src/logger.ts';
import { connectTemporalWorker } from './src/temporal/connection.ts';
import { resolvePayloadKeys } from './src/temporal/payload-keys.ts';
import { installTemporalRuntime } from './src/temporal/runtime.ts';
import { createWorker } from './src/temporal/worker.ts';
import { workerSupervisor } from './src/targets/local/watchdog.ts';

const config = loadConfig();
const logger = createLogger(config, { component: 'worker' });
installTemporalRuntime(logger);
const database = await openDatabase(databaseOptionsFromConfig(config));
await database.migrate();
const connection = await connectTemporalWorker(config);
// With local commands off the worker never starts the supervisor: a new one would run the saved colours again.
const supervisor = workerSupervisor(config.localTarget, { localCommands: config.CUTOVER_LOCAL_COMMANDS });
const worker = await createWorker({
  db: database.db,
  logger,
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  payloadKeys: resolvePayloadKeys(config, logger),
  ops: { databaseUrl: config.DATABASE_URL, localCommands: config.CUTOVER_LOCAL_COMMANDS },
  localTarget: config.localTarget,
  local: supervisor.local,
  platformPorts: platformPorts(config),
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down the worker');
    worker.shutdown();
  });
}

// Local services keep being served when their supervisor dies: the worker starts it again (local commands on).
const stopWatching = supervisor.watch(logger);
logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.temporalAddress }, 'worker running');
try {
  await worker.run();
} finally {
  stopWatching();
  await connection.close();
  await database.close();
  logger.info('worker stopped');
}

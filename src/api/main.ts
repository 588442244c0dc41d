// Production entry point of the API: config -> database -> Temporal client -> app.
import { platformPorts } from '../bindings/platform-ports.ts';
import { authSettingsFromConfig } from '../auth/settings.ts';
import { bootstrapAdmin, bootstrapAdminUser } from '../bootstrap.ts';
import { loadConfig } from '../config.ts';
import { startFlagChangeFeed } from '../flags/changes.ts';
import { databaseOptionsFromConfig, openDatabase } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { createTargetDeps } from '../targets/deps.ts';
import { connectTemporalClient } from '../temporal/connection.ts';
import { resolvePayloadKeys } from '../temporal/payload-keys.ts';
import { createApp } from './create-app.ts';
import { serveApp } from './serve.ts';

const config = loadConfig();
const logger = createLogger(config, { component: 'api' });
const database = await openDatabase(databaseOptionsFromConfig(config));
await database.migrate();
const { workspace, adminTokenRevoked } = await bootstrapAdmin(database.db, { adminToken: config.CUTOVER_ADMIN_TOKEN, createIfMissing: false });
if (adminTokenRevoked) logger.warn('CUTOVER_ADMIN_TOKEN was revoked and stays revoked: unset it, or set a new token');
// Production never generates a password (it would have to be logged): the first admin comes from the environment.
if (config.CUTOVER_ADMIN_PASSWORD) {
  const { created } = await bootstrapAdminUser(database.db, workspace, { email: config.CUTOVER_ADMIN_EMAIL, password: config.CUTOVER_ADMIN_PASSWORD });
  if (created) logger.info({ email: config.CUTOVER_ADMIN_EMAIL }, 'first platform admin created');
}
const payloadKeys = resolvePayloadKeys(config, logger);
const temporal = await connectTemporalClient(config, payloadKeys);
const targets = createTargetDeps({ localTarget: config.localTarget, startSupervisor: false, watchKubernetes: true });
const flagChanges = await startFlagChangeFeed(database.listen, logger);
const app = createApp({
  targets,
  flagChanges,
  db: database.db,
  temporal,
  logger,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  temporalUiUrl: config.temporalUiUrl,
  platformPorts: platformPorts(config),
  auth: authSettingsFromConfig(config),
  payloadKeys,
});
const server = await serveApp(app, { port: config.PORT, hostname: config.HOST });
logger.info({ port: server.port, host: config.HOST }, 'api listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down the api');
    void (async () => {
      await server.close();
      await targets.close();
      await flagChanges.close();
      await temporal.connection.close();
      await database.close();
      logger.info('api stopped');
    })();
  });
}

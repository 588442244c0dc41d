import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from '../src/api/create-app.ts';
import { serveApp, type RunningServer } from '../src/api/serve.ts';
import { platformPorts } from '../src/bindings/platform-ports.ts';
import { authSettingsFromConfig } from '../src/auth/settings.ts';
import { bootstrapAdmin, bootstrapAdminUser, bootstrapBindings } from '../src/bootstrap.ts';
import type { Config } from '../src/config.ts';
import { startFlagChangeFeed } from '../src/flags/changes.ts';
import { databaseOptionsFromConfig, openDatabase, type DatabaseHandle } from '../src/db/client.ts';
import type { Logger } from '../src/logger.ts';
import { connectTemporalClient, connectTemporalWorker } from '../src/temporal/connection.ts';
import { ensureDashboardBuilt } from './web-build.ts';
import { resolvePayloadKeys } from '../src/temporal/payload-keys.ts';
import { installTemporalRuntime } from '../src/temporal/runtime.ts';
import { createWorker } from '../src/temporal/worker.ts';
import { createTargetDeps } from '../src/targets/deps.ts';
import { workerSupervisor } from '../src/targets/local/watchdog.ts';
import { ensureTemporalCli } from './temporal/cli.ts';
import { startTemporalDevServer, type DevServer } from './temporal/dev-server.ts';

export interface Stack {
  apiUrl: string;
  temporalUiUrl: string;
  /** The API's codec server, which the dev server's Web UI decodes through (undefined: the UI is not ours). */
  codecUrl?: string;
  database: DatabaseHandle;
  /** Set when the dev server created the first admin token: shown once. */
  createdAdminToken?: string;
  /** How the platform admin signs in: their email, and the password or where it is kept. */
  signIn: { email: string; password?: string; passwordFile?: string };
  stop(): Promise<void>;
}

/**
 * Everything Cutover needs in one process, for `npm run dev` and the demo: a Temporal dev server
 * (unless TEMPORAL_ADDRESS), the database (embedded PGlite unless DATABASE_URL), the worker and the API.
 */
export async function startStack(config: Config, logger: Logger): Promise<Stack> {
  installTemporalRuntime(logger);
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
    cleanups.length = 0;
  };
  try {
    // The dashboard the API serves at /admin: built here when missing or older than its sources.
    ensureDashboardBuilt();
    // One set of keys for the worker and the API's client: what one writes, the other reads.
    const payloadKeys = resolvePayloadKeys(config, logger);
    const codecUrl = config.TEMPORAL_ADDRESS ? undefined : codecEndpoint(config);
    let devServer: DevServer | undefined;
    if (!config.TEMPORAL_ADDRESS) {
      devServer = await startTemporalDevServer({
        binary: ensureTemporalCli(),
        port: config.TEMPORAL_DEV_PORT,
        uiPort: config.TEMPORAL_DEV_UI_PORT,
        dbFile: path.join(config.CUTOVER_DATA_DIR, 'temporal', 'dev.db'),
        namespace: config.TEMPORAL_NAMESPACE,
        codecEndpoint: codecUrl,
        onLog: (line) => logger.debug({ component: 'temporal' }, line),
      });
      cleanups.push(() => devServer!.stop());
      logger.info({ address: devServer.address, ui: devServer.uiUrl }, 'temporal dev server running');
    }

    const database = await openDatabase(databaseOptionsFromConfig(config));
    cleanups.push(() => database.close());
    await database.migrate();
    const { workspace, createdToken, adminTokenRevoked } = await bootstrapAdmin(database.db, {
      adminToken: config.CUTOVER_ADMIN_TOKEN,
      createIfMissing: true,
    });
    if (adminTokenRevoked) logger.warn('CUTOVER_ADMIN_TOKEN was revoked and stays revoked: unset it, or set a new token');
    // One machine: the default workspace may use this machine and the worker's cluster (see README, Security).
    await bootstrapBindings(database.db, workspace);
    const signIn = await firstAdmin(config, database, workspace);

    const workerConnection = await connectTemporalWorker(config);
    cleanups.push(() => workerConnection.close());
    // With local commands off the worker never starts the supervisor: a new one would run the saved colours again.
    const supervisor = workerSupervisor(config.localTarget, { localCommands: config.CUTOVER_LOCAL_COMMANDS });
    const worker = await createWorker({
      db: database.db,
      logger: logger.child({ component: 'worker' }),
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      payloadKeys,
      ops: { databaseUrl: config.DATABASE_URL, localCommands: config.CUTOVER_LOCAL_COMMANDS },
      localTarget: config.localTarget,
      local: supervisor.local,
      platformPorts: platformPorts(config),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    // Local services keep being served when their supervisor dies: the worker's side starts it again (local commands on).
    const stopWatching = supervisor.watch(logger);
    cleanups.push(() => Promise.resolve(stopWatching()));

    const temporal = await connectTemporalClient(config, payloadKeys);
    cleanups.push(() => temporal.connection.close());
    const targets = createTargetDeps({ localTarget: config.localTarget, startSupervisor: false, watchKubernetes: true });
    cleanups.push(() => targets.close());
    const flagChanges = await startFlagChangeFeed(database.listen, logger);
    cleanups.push(() => flagChanges.close());
    const app = createApp({
      targets,
      flagChanges,
      db: database.db,
      temporal,
      logger: logger.child({ component: 'api' }),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      temporalUiUrl: config.temporalUiUrl,
      platformPorts: platformPorts(config),
      auth: authSettingsFromConfig(config),
      payloadKeys,
    });
    const server: RunningServer = await serveApp(app, { port: config.PORT, hostname: config.HOST });
    cleanups.push(() => server.close());

    return {
      apiUrl: `http://${config.HOST}:${server.port}`,
      temporalUiUrl: config.temporalUiUrl,
      codecUrl,
      database,
      createdAdminToken: createdToken,
      signIn,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Where the Web UI reaches the API's codec. A loopback or wildcard HOST is spelled as the Web UI's own host name
 * (localhost): the codec cookie then belongs to the UI's site, and SameSite=Lax lets the UI's requests carry it.
 * Undefined when the port is picked at random (PORT=0): the dev server starts before the API listens.
 */
export function codecEndpoint(config: Pick<Config, 'HOST' | 'PORT' | 'temporalUiUrl'>): string | undefined {
  if (config.PORT === 0) return undefined;
  const local = ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(config.HOST);
  const host = local ? new URL(config.temporalUiUrl).hostname : config.HOST;
  return `http://${host}:${config.PORT}/api/v1/codec`;
}

/**
 * The first platform admin of a single-machine setup: CUTOVER_ADMIN_PASSWORD, or a generated password kept in
 * CUTOVER_DATA_DIR/admin-password (0600), so a restart can say where it is without printing it again.
 */
async function firstAdmin(config: Config, database: DatabaseHandle, workspace: { id: string }): Promise<Stack['signIn']> {
  const email = config.CUTOVER_ADMIN_EMAIL;
  const passwordFile = path.join(config.CUTOVER_DATA_DIR, 'admin-password');
  const { generatedPassword } = await bootstrapAdminUser(database.db, workspace, { email, password: config.CUTOVER_ADMIN_PASSWORD });
  if (generatedPassword) {
    writeFileSync(passwordFile, `${generatedPassword}\n`, { mode: 0o600 });
    chmodSync(passwordFile, 0o600);
    return { email, password: generatedPassword, passwordFile };
  }
  return { email, passwordFile: !config.CUTOVER_ADMIN_PASSWORD && existsSync(passwordFile) ? passwordFile : undefined };
}

import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/api/create-app.ts';
import type { AuthSettings } from '../../src/auth/settings.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { startFlagChangeFeed } from '../../src/flags/changes.ts';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/db/client.ts';
import { createApiToken, createWorkspace } from '../../src/db/repositories/workspaces.ts';
import { bindTestWorkspace, testNamespace, testPolicy } from './bindings.ts';
import type { Role } from '../../src/db/schema/index.ts';
import type { OpsWorkerOptions } from '../../src/ops/workloads/index.ts';
import type { KubeClients } from '../../src/targets/kubernetes/client.ts';
import { cutoverDataConverter } from '../../src/temporal/codec.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorker } from '../../src/temporal/worker.ts';
import { testPayloadKeys } from './payload-keys.ts';

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let runtimeInstalled = false;

/** A workspace of the test's own with one token per role. */
export interface TestWorkspace {
  id: string;
  name: string;
  tokens: Record<Role, string>;
  /** A platform admin's token, held by an admin of this workspace (creates workspaces, binds targets). */
  platformAdmin: string;
  /** A Kubernetes namespace bound to it (tests without a cluster name it in definitions). */
  namespace: string;
}

export async function createTestWorkspace(db: Database, prefix = 'ws'): Promise<TestWorkspace> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const workspace = await createWorkspace(db, name);
  if (!workspace) throw new Error(`workspace ${name} exists already`);
  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'operator', 'admin', 'owner'] as const) {
    tokens[role] = (await createApiToken(db, { workspaceId: workspace.id, name: `${name}-${role}`, role })).plaintext;
  }
  // Tests release to the local target, to a namespace of the workspace's own and to those they bind (bindNamespaces).
  const namespace = testNamespace(workspace.id);
  await bindTestWorkspace(db, workspace.id, 'local');
  await bindTestWorkspace(db, workspace.id, 'kubernetes', { ...testPolicy.kubernetes, namespaces: [namespace] });
  const platformAdmin = (await createApiToken(db, { workspaceId: workspace.id, name: `${name}-platform`, role: 'admin', platformAdmin: true })).plaintext;
  return { id: workspace.id, name, tokens, platformAdmin, namespace };
}

export interface Harness {
  db: Database;
  temporal: Client;
  app: App;
  taskQueue: string;
  /** Sends a JSON request to the app as a token of the given workspace. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Real Postgres (this run's database), a real Temporal client and, unless `worker: false`, a real worker on a
 * task queue of this harness's own, so test files never pick up each other's workflows.
 */
export async function startHarness(
  options: {
    worker?: boolean;
    database?: DatabaseHandle;
    kube?: () => KubeClients;
    ops?: OpsWorkerOptions;
    /** The local target's supervisor this harness's worker starts and its API uses. */
    localTarget?: { dataDir: string; port: number };
    /** Ports no request of a workspace may reach (the platform's own); default: this run's Postgres and Temporal. */
    platformPorts?: number[];
    /** Where the API, the worker and (for the first harness of a process) Temporal's runtime log; default: silent. */
    logger?: Logger;
    /** Session lifetimes and step-up window (short ones test expiry); default: the production ones. */
    auth?: AuthSettings;
    /** How long a deleted workspace waits for its purge; default: the production 30 days. */
    workspaceRetentionMs?: number;
  } = {},
): Promise<Harness> {
  if (!runtimeInstalled) {
    installTemporalRuntime(options.logger ?? testLogger);
    runtimeInstalled = true;
  }
  const database = options.database ?? (await openDatabase({ kind: 'postgres', url: inject('databaseUrl'), maxConnections: 4 }));
  const address = inject('temporalAddress');
  const platformPorts = options.platformPorts ?? [Number(new URL(inject('databaseUrl')).port || 5432), Number(address.split(':').at(-1))];
  const connection = await Connection.connect({ address });
  // Encrypted like production, with the fixed test key (a worker process of its own reads it too).
  const temporal = new Client({ connection, dataConverter: cutoverDataConverter(testPayloadKeys) });
  const taskQueue = `test-${randomUUID()}`;
  let worker: Worker | undefined;
  let workerConnection: NativeConnection | undefined;
  let running: Promise<void> | undefined;
  if (options.worker !== false) {
    workerConnection = await NativeConnection.connect({ address });
    worker = await createWorker({
      db: database.db,
      logger: options.logger ?? testLogger,
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      payloadKeys: testPayloadKeys,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      kube: options.kube,
      ops: options.ops,
      localTarget: options.localTarget,
      platformPorts,
    });
    running = worker.run();
  }
  const targets = createTargetDeps({ kube: options.kube, localTarget: options.localTarget, startSupervisor: false, watchKubernetes: true });
  const flagChanges = await startFlagChangeFeed(database.listen, options.logger ?? testLogger);
  const app = createApp({ platformPorts, db: database.db, temporal, logger: options.logger ?? testLogger, taskQueue, temporalUiUrl: 'http://localhost:8233', targets, auth: options.auth, payloadKeys: testPayloadKeys, workspaceRetentionMs: options.workspaceRetentionMs, flagChanges });
  return {
    db: database.db,
    temporal,
    app,
    taskQueue,
    call: (method, path, request = {}) =>
      Promise.resolve(
        app.request(path, {
          method,
          headers: {
            ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
            ...(request.body !== undefined || request.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
            ...request.headers,
          },
          body: request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
        }),
      ),
    async close() {
      worker?.shutdown();
      await running;
      await targets.close();
      await flagChanges.close();
      await workerConnection?.close();
      await connection.close();
      await database.close();
    },
  };
}

export { eventually } from './wait.ts';

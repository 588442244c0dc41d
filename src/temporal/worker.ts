import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { BindingLookup } from '../bindings/policy.ts';
import { findBinding } from '../db/repositories/bindings.ts';
import { createTargetDeps } from '../targets/deps.ts';
import { cutoverDataConverter, type PayloadKey } from './codec.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerDeps extends Omit<ActivityDeps, 'kube' | 'local' | 'kubeCache' | 'bindings' | 'platformPorts'> {
  /** Bindings of workspace environments; default: read from the database. */
  bindings?: BindingLookup;
  /** The platform's own ports, never a destination of the worker's requests (see platformPorts). */
  platformPorts?: number[];
  /** Kubernetes clients; default: the default kubeconfig chain, loaded on first use. */
  kube?: ActivityDeps['kube'];
  /** The local target's supervisor; default: the one at `localTarget`, started when none runs. */
  local?: ActivityDeps['local'];
  /** Where the local target's supervisor keeps its state and listens (config: CUTOVER_DATA_DIR, CUTOVER_SUPERVISOR_PORT). */
  localTarget?: { dataDir: string; port: number };
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Encrypt every payload and failure this worker writes with the newest key; read with any of them. */
  payloadKeys: readonly PayloadKey[];
  /**
   * A prebuilt bundle (tests build one per run); otherwise the worker bundles src/workflows at start. Build it with
   * `failureConverterPath` (codec.ts), or workflow failures leave the sandbox in plaintext.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The Temporal worker with Cutover's workflows and activities; the caller runs and shuts it down. */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    // Also what the bundler gives the workflow sandbox when it bundles src/workflows itself.
    dataConverter: cutoverDataConverter(deps.payloadKeys),
    activities: createActivities({
      ...deps,
      bindings: deps.bindings ?? ((scope, kind) => findBinding(deps.db, scope, kind)),
      platformPorts: deps.platformPorts ?? [],
      // A worker that runs no local commands starts no supervisor either (it would restore and run saved colours).
      ...createTargetDeps({ kube: deps.kube, local: deps.local, localTarget: deps.localTarget, startSupervisor: deps.ops?.localCommands !== false, watchKubernetes: false }),
    }),
  });
}

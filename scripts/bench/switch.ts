// `npm run bench:switch`: time from the rollback API call to the stable Service's selector patched and verified,
// beside a bare Service patch with the same client (the floor). Real Temporal dev server, real Kubernetes API
// server (the local test cluster), embedded database; prints the figures. BENCH_RUNS (or the first argument) sets
// the number of interleaved runs, 200 by default: with fewer, a "p99" is just the maximum.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createApp } from '../../src/api/create-app.ts';
import { serveApp } from '../../src/api/serve.ts';
import { bootstrapAdmin } from '../../src/bootstrap.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { createKubeClients } from '../../src/targets/kubernetes/client.ts';
import { cutoverDataConverter } from '../../src/temporal/codec.ts';
import { newPayloadKey } from '../../src/temporal/payload-keys.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { createWorker } from '../../src/temporal/worker.ts';
import { freePort } from '../../tests/support/ports.ts';
import { bindNamespaces, bindTestWorkspace } from '../../tests/support/bindings.ts';
import { createTestDatabase } from '../../tests/support/postgres.ts';
import { ensureTemporalCli } from '../temporal/cli.ts';
import { startTemporalDevServer } from '../temporal/dev-server.ts';
import { testClusterKubeconfig } from './cluster.ts';
import { pairedRatios, percentile, summarize } from './stats.ts';

const runs = Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 200);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${String(process.argv[2] ?? process.env.BENCH_RUNS)}`);
const logger = pino({ level: 'warn' });
installTemporalRuntime(logger);

const kubeconfig = testClusterKubeconfig();
const kube = createKubeClients(kubeconfig);
const temporalServer = await startTemporalDevServer({ binary: ensureTemporalCli(), port: await freePort(), uiPort: await freePort(), headless: true });
const dataDir = mkdtempSync(path.join(tmpdir(), 'cutover-bench-'));
// BENCH_POSTGRES=1 measures against a throw-away database on the Postgres server of the tests (as in production:
// a database server) instead of the embedded one.
const serverDatabase = process.env.BENCH_POSTGRES === '1' ? await createTestDatabase(`cutover_bench_${Date.now().toString(36)}`) : undefined;
const database = await openDatabase(serverDatabase ? { kind: 'postgres', url: serverDatabase.url } : { kind: 'pglite', dataDir });
await database.migrate();
const { createdToken: token, workspace } = await bootstrapAdmin(database.db, { createIfMissing: true });
const namespace = `bench-${Date.now().toString(36)}`;
// The admin's workspace may release to the test cluster, in the bench's own namespace only (as the tests bind theirs).
await bindTestWorkspace(database.db, workspace.id, 'kubernetes');
await bindNamespaces(database.db, workspace.id, [namespace]);
const taskQueue = 'bench-switch';
const workerConnection = await NativeConnection.connect({ address: temporalServer.address });
// Encrypted as in production: the codec's cost is part of the figure. One key, made for this run.
const payloadKeys = [newPayloadKey()];
const worker = await createWorker({ db: database.db, logger, connection: workerConnection, namespace: 'default', taskQueue, payloadKeys, kube: () => kube });
const running = worker.run();
const temporal = new Client({ connection: await Connection.connect({ address: temporalServer.address }), dataConverter: cutoverDataConverter(payloadKeys) });
// The API keeps a watch cache of the service's objects, as in production: a switch decides from memory.
const targets = createTargetDeps({ kube: () => kube, startSupervisor: false, watchKubernetes: true });
const server = await serveApp(createApp({ db: database.db, temporal, logger, taskQueue, temporalUiUrl: 'http://localhost:8233', targets }), {
  port: 0,
  hostname: '127.0.0.1',
});
const api = async (method: string, route: string, body?: unknown) => {
  const response = await fetch(`http://127.0.0.1:${server.port}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
};

try {
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  await api('POST', '/services', {
    name: 'bench',
    environment: 'bench',
    definition: { namespace, image: 'registry.example/bench:1', replicas: 1, ports: [{ port: 80 }], endpoints: { preview: 'http://127.0.0.1:9', stable: 'http://127.0.0.1:9' } },
  });
  // Two releases leave blue and green both warm; the monitor is off (0 ms), it is not what we measure.
  const timings = { rolloutPollMs: 100, monitorDurationMs: 0, retentionMs: 3_600_000 };
  for (const version of ['1', '2']) {
    const { id } = await api('POST', '/deployments', { service: 'bench', environment: 'bench', version, strategy: 'blue-green', options: { timings } });
    for (;;) {
      const { status } = await api('GET', `/deployments/${String(id)}`);
      if (status === 'succeeded') break;
      if (status !== 'pending' && status !== 'in_progress') throw new Error(`setup release ${version} ended ${String(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  // Interleaved, so both paths see the same machine load: a rollback (one colour to the other through the API),
  // then a bare patch (back again), each a real write. A short pause between them lets the API's watch see the
  // bare patch, as it would see any change between two operator actions.
  const rollback: number[] = [];
  const floor: number[] = [];
  const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const result = await api('POST', '/services/bench/rollback', { environment: 'bench' });
    rollback.push(performance.now() - started);
    const service = await kube.core.readNamespacedService({ name: 'bench', namespace });
    if (!result.switched || service.spec?.selector?.['cutover.dev/color'] !== result.to) throw new Error(`run ${i} did not switch`);
    await pause();

    const back = result.from as string;
    const patchStarted = performance.now();
    await kube.core.patchNamespacedService(
      { name: 'bench', namespace, body: { spec: { selector: { app: 'bench', 'cutover.dev/color': back } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    floor.push(performance.now() - patchStarted);
    await pause();
  }

  const r = summarize(rollback);
  const f = summarize(floor);
  // Judged per run: run i's rollback over run i's bare patch, both taken under the same moment's load. The
  // target is the median ratio (the typical switch) and the p95 ratio (a bad moment), not a tail of 40 samples.
  const ratios = pairedRatios(rollback, floor);
  const ratio50 = percentile(ratios, 0.5);
  const ratio95 = percentile(ratios, 0.95);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  const row = (s: typeof r) => `p50 ${fmt(s.p50)}   p95 ${fmt(s.p95)}   p99 ${fmt(s.p99)}   max ${fmt(s.max)}`;
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  console.log(`\nbench:switch (${runs} interleaved runs, ${serverDatabase ? 'Postgres server' : 'embedded database'})`);
  console.log(`  rollback API -> selector patched and verified   ${row(r)}`);
  console.log(`  bare Service merge patch (floor)                ${row(f)}`);
  console.log(`  per-run ratio rollback / bare patch             median ${ratio50.toFixed(2)}x   p95 ${ratio95.toFixed(2)}x`);
  console.log(`  target within 2x of the bare patch: median ratio ${verdict(ratio50 <= 2)}, p95 ratio ${verdict(ratio95 <= 2)}`);
  console.log(`  target p99 < 1000 ms: ${verdict(r.p99 < 1000)}`);
} finally {
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await server.close();
  await targets.close();
  worker.shutdown();
  await running;
  await workerConnection.close();
  await temporal.connection.close();
  await database.close();
  await serverDatabase?.drop();
  await temporalServer.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

// `npm run bench:ops-list`: GET /ops/jobs at 1,000 jobs, answered from Postgres (the Schedule state cached on the
// rows), beside the old path that described every Schedule one after another, and one background refresh of
// all 1,000 cached states. Real Temporal dev server, the tests' Postgres server (a throw-away database), the
// API over HTTP. The bench process is pinned to CPU 0 and the Temporal server to CPU 1 when taskset exists.
import { Connection, Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { createApp } from '../../src/api/create-app.ts';
import { serveApp } from '../../src/api/serve.ts';
import { openDatabase } from '../../src/db/client.ts';
import { listOpsJobs } from '../../src/db/repositories/ops-jobs.ts';
import { createApiToken, createWorkspace } from '../../src/db/repositories/workspaces.ts';
import { opsJobs } from '../../src/db/schema/index.ts';
import { jobState } from '../../src/ops/runs.ts';
import { createScheduleStateRefresher } from '../../src/ops/schedule-state.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { bindTestWorkspace } from '../../tests/support/bindings.ts';
import { freePort } from '../../tests/support/ports.ts';
import { createTestDatabase } from '../../tests/support/postgres.ts';
import { ensureTemporalCli } from '../temporal/cli.ts';
import { startTemporalDevServer } from '../temporal/dev-server.ts';
import { pinToCpu } from './pin.ts';
import { percentile } from './stats.ts';

const jobCount = Number(process.env.BENCH_JOBS ?? 1000);
const runs = Number(process.env.BENCH_RUNS ?? 200);
const logger = pino({ level: 'warn' });
installTemporalRuntime(logger);

const temporalServer = await startTemporalDevServer({ binary: ensureTemporalCli(), port: await freePort(), uiPort: await freePort(), headless: true });
const pinned = temporalServer.process.pid !== undefined && pinToCpu(1, temporalServer.process.pid) && pinToCpu(0, process.pid);
const serverDatabase = await createTestDatabase(`cutover_bench_ops_${Date.now().toString(36)}`);
const database = await openDatabase({ kind: 'postgres', url: serverDatabase.url });
await database.migrate();
const temporal = new Client({ connection: await Connection.connect({ address: temporalServer.address }) });
const targets = createTargetDeps({ startSupervisor: false, watchKubernetes: false });
const deps = { db: database.db, temporal, logger, taskQueue: 'bench-ops-list', temporalUiUrl: 'http://localhost:8233', targets };
const server = await serveApp(createApp(deps), { port: 0, hostname: '127.0.0.1' });

// A workspace of the bench's own, bound to the local target (the jobs' workload is a local command).
const workspace = await createWorkspace(database.db, `bench-ops-${Date.now().toString(36)}`);
if (!workspace) throw new Error('could not create the bench workspace');
await bindTestWorkspace(database.db, workspace.id, 'local');
const token = (await createApiToken(database.db, { workspaceId: workspace.id, name: 'bench-operator', role: 'operator' })).plaintext;
const api = async (method: string, route: string, body?: unknown) => {
  const response = await fetch(`http://127.0.0.1:${server.port}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
};

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const line = (label: string, samples: number[]) =>
  console.log(
    `  ${label.padEnd(44)} n ${String(samples.length).padStart(4)}   p50 ${fmt(percentile(samples, 0.5))}   p95 ${fmt(percentile(samples, 0.95))}   p99 ${fmt(percentile(samples, 0.99))}   max ${fmt(Math.max(...samples))}`,
  );

try {
  const setupStarted = performance.now();
  // Eight at a time through the API, as an operator would create them (each creates its Schedule).
  for (let i = 0; i < jobCount; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, jobCount - i) }, (_, k) =>
        api('POST', '/ops/jobs', {
          name: `bench-${String(i + k).padStart(4, '0')}`,
          schedule: { cron: `${(i + k) % 60} ${(i + k) % 24} * * *` },
          workload: { type: 'local', command: ['true'] },
        }),
      ),
    );
  }
  const setupMs = performance.now() - setupStarted;

  const listOnce = async () => {
    const started = performance.now();
    const body = await api('GET', '/ops/jobs');
    const elapsed = performance.now() - started;
    if ((body.items as unknown[]).length !== jobCount) throw new Error('the list is missing jobs');
    return elapsed;
  };
  for (let i = 0; i < 10; i++) await listOnce(); // warm-up
  const sequential: number[] = [];
  for (let i = 0; i < runs; i++) sequential.push(await listOnce());
  // Under load: 8 lists in flight at a time.
  const loaded: number[] = [];
  for (let i = 0; i < runs; i += 8) loaded.push(...(await Promise.all(Array.from({ length: 8 }, listOnce))));

  // While the background refresh re-reads every row: all 1,000 cached states marked stale, then lists.
  await database.db.update(opsJobs).set({ scheduleStateAt: null }).where(eq(opsJobs.workspaceId, workspace.id));
  const refresher = createScheduleStateRefresher(deps);
  const refreshStarted = performance.now();
  refresher.kick(workspace.id);
  const duringRefresh: number[] = [];
  let refreshing = true;
  const refreshed = refresher.idle(workspace.id).then(() => {
    refreshing = false;
    return performance.now() - refreshStarted;
  });
  while (refreshing) duringRefresh.push(await listOnce());
  const refreshMs = await refreshed;

  // The old path: one describe per Schedule, one after another (what GET /ops/jobs did before).
  const jobs = await listOpsJobs(database.db, workspace.id);
  const describeAll: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    for (const job of jobs) await jobState(temporal, job);
    describeAll.push(performance.now() - started);
  }

  const p99 = percentile(sequential, 0.99);
  console.log(`\nbench:ops-list (${jobCount} jobs, Postgres server, Temporal dev server${pinned ? ', bench on CPU 0, Temporal on CPU 1' : ''})`);
  console.log(`  setup: ${jobCount} jobs created through the API in ${(setupMs / 1000).toFixed(1)} s`);
  line('GET /ops/jobs, one at a time', sequential);
  line('GET /ops/jobs, 8 in flight', loaded);
  line('GET /ops/jobs while refreshing all states', duringRefresh);
  console.log(`  background refresh of ${jobCount} stale states (8 at a time)  ${fmt(refreshMs)}`);
  console.log(`  old path: describe ${jobCount} Schedules one after another  ${describeAll.map(fmt).join(', ')}`);
  console.log(`  p99 target < 100 ms: ${p99 < 100 ? 'met' : 'MISSED'} (${fmt(p99)})`);
} finally {
  await server.close();
  await targets.close();
  await temporal.connection.close();
  await database.close();
  await serverDatabase.drop();
  await temporalServer.stop();
}

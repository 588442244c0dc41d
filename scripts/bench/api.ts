// `npm run bench:api`: what quota checks and row-level security add to an authenticated read, and how many
// sign-ins a second argon2id allows. The API runs in a process of its own pinned to CPU 0 (one app per variant:
// plain, + quota check, + quota check and RLS, one port each, one database); this load generator runs on CPU 1 and
// sends one request at a time, the variants interleaved in a shuffled order each round, so each round's three
// requests see the same moment. Real Postgres server (a throw-away database).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { argon2Parameters, hashPassword } from '../../src/auth/passwords.ts';
import { openDatabase } from '../../src/db/client.ts';
import { insertService } from '../../src/db/repositories/services.ts';
import { createUser, putMember } from '../../src/db/repositories/users.ts';
import { createApiToken, createWorkspace } from '../../src/db/repositories/workspaces.ts';
import { workspaces } from '../../src/db/schema/index.ts';
import { createTestDatabase } from '../../tests/support/postgres.ts';
import { pinToCpu } from './pin.ts';
import { percentile, summarize } from './stats.ts';

const rounds = Number(process.env.BENCH_RUNS ?? 2000);
const logins = Number(process.env.BENCH_LOGINS ?? 100);
const serviceCount = 20;

const serverDatabase = await createTestDatabase(`cutover_bench_api_${Date.now().toString(36)}`);
const database = await openDatabase({ kind: 'postgres', url: serverDatabase.url, maxConnections: 2 });
await database.migrate();

// Two workspaces with 20 services each: RLS must hide the other one's rows, and the read lists only its own.
const tokens: string[] = [];
for (const name of ['bench-api-a', 'bench-api-b']) {
  const workspace = await createWorkspace(database.db, `${name}-${Date.now().toString(36)}`);
  if (!workspace) throw new Error(`could not create ${name}`);
  for (let i = 0; i < serviceCount; i++) {
    await insertService(database.db, { workspaceId: workspace.id, name: `svc-${i}`, environment: 'staging', definition: { namespace: 'bench', image: 'bench:1', ports: [{ port: 80 }] } });
  }
  tokens.push((await createApiToken(database.db, { workspaceId: workspace.id, name: `${name}-viewer`, role: 'viewer' })).plaintext);
  if (name === 'bench-api-a') {
    const user = await createUser(database.db, { email: 'bench@example.test', displayName: 'bench', passwordHash: await hashPassword('bench-password-1') });
    await putMember(database.db, { workspaceId: workspace.id, userId: user!.id, role: 'viewer' });
  }
}
const token = tokens[0]!;

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./api-server.ts', import.meta.url))], {
  env: { ...process.env, BENCH_DATABASE: serverDatabase.url },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ports = await new Promise<Record<string, number>>((resolve, reject) => {
  server.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString().trim();
    if (text.startsWith('{')) resolve(JSON.parse(text) as Record<string, number>);
  });
  server.once('exit', (code) => reject(new Error(`the bench API exited with ${code}`)));
});
const pinned = server.pid !== undefined && pinToCpu(0, server.pid) && pinToCpu(1, process.pid);
const variants = Object.keys(ports);

async function read(variant: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${ports[variant]}/api/v1/services`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { items: unknown[] };
  const elapsed = performance.now() - started;
  if (response.status !== 200 || body.items.length !== serviceCount) throw new Error(`${variant}: ${response.status}, ${body.items?.length} services`);
  return elapsed;
}

async function login(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${ports.plain}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.test', password: 'bench-password-1' }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`login: ${response.status}`);
  return performance.now() - started;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
try {
  // The API-call quota of the workspace would refuse the bench after 36,000 calls: raise it for the run.
  await database.db.update(workspaces).set({ quotas: { apiCallsPerHour: 1_000_000_000, apiCallsPerDay: 1_000_000_000 } });
  for (let i = 0; i < 200; i++) for (const variant of variants) await read(variant); // warm-up
  const samples = Object.fromEntries(variants.map((variant) => [variant, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    const order = [...variants].sort(() => Math.random() - 0.5);
    for (const variant of order) samples[variant]!.push(await read(variant));
  }

  const sequentialLogins: number[] = [];
  for (let i = 0; i < logins; i++) sequentialLogins.push(await login());
  const concurrentStarted = performance.now();
  const inFlight = 4;
  for (let i = 0; i < logins; i += inFlight) await Promise.all(Array.from({ length: inFlight }, login));
  const concurrentPerSecond = logins / ((performance.now() - concurrentStarted) / 1000);

  console.log(`\nbench:api (GET /api/v1/services, ${serviceCount} services, service token; Postgres server${pinned ? '; API on CPU 0, load on CPU 1' : '; NOT pinned (no taskset)'})`);
  console.log(`  ${rounds} rounds, one request at a time, the variants interleaved in a shuffled order each round`);
  const plain = summarize(samples.plain!);
  for (const variant of variants) {
    const s = summarize(samples[variant]!);
    const added = variant === 'plain' ? '' : `   added at p50 ${fmt(s.p50 - plain.p50)}, at p99 ${fmt(s.p99 - plain.p99)}`;
    console.log(`  ${variant.padEnd(10)} p50 ${fmt(s.p50)}   p95 ${fmt(s.p95)}   p99 ${fmt(s.p99)}   max ${fmt(s.max)}${added}`);
  }
  const full = summarize(samples['quota+rls']!);
  const pairedAdded = samples['quota+rls']!.map((value, i) => value - samples.plain![i]!);
  console.log(`  per-round difference quota+rls − plain: median ${fmt(percentile(pairedAdded, 0.5))}, p95 ${fmt(percentile(pairedAdded, 0.95))}`);
  const addedP99 = full.p99 - plain.p99;
  console.log(`  target: quota check + RLS add ≤ 1 ms at p99: ${addedP99 <= 1 ? 'met' : 'MISSED'} (${fmt(addedP99)})`);

  const seq = summarize(sequentialLogins);
  console.log(
    `\n  POST /auth/login, argon2id m=${argon2Parameters.memoryCost} KiB t=${argon2Parameters.timeCost} p=${argon2Parameters.parallelism}, API on one core:`,
  );
  console.log(`    one at a time: ${(1000 / seq.p50).toFixed(1)} logins/s (p50 ${fmt(seq.p50)}, p99 ${fmt(seq.p99)}, n ${seq.n})`);
  console.log(`    ${inFlight} in flight:    ${concurrentPerSecond.toFixed(1)} logins/s`);
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await database.close();
  await serverDatabase.drop();
}

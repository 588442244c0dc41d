// `npm run bench:flags`: feature flags, four figures in one run against a real Postgres server (a throw-away
// database) and the API in a process of its own pinned to CPU 0 (scripts/bench/flags-server.ts); this process
// (the load generator) and its children run on CPU 1.
//
//  1. Local evaluations/s of the in-repo OpenFeature provider (CutoverProvider.resolve, configuration from the flag
//     stream) against unleash-client in offline mode (bootstrap data, metrics on), on the same 20 flags and the
//     same contexts; each side in a child process of its own on CPU 1, one round at a time (the sides take turns in a
//     shuffled order each round, so each round's figures see the same moment). Their answers must agree (≥ 99%).
//     p99 per evaluation: batches of 100 evaluations timed with process.hrtime.bigint, divided by 100.
//  2. HTTP evaluation under 200 concurrent connections (autocannon): POST /features/{id}/evaluate with and without
//     the quota check, and OFREP's POST /flags/{env}/ofrep/v1/evaluate/flags/{key}.
//  3. Time from a flag change (PUT /features/{id}) to a connected provider's ConfigurationChanged naming the flag.
//  4. Event ingest: POST /features/events, batches of 500 impressions from 20 concurrent senders.
//
// Knobs: BENCH_ROUNDS (12), BENCH_EVALS (evaluations per side per round, 200000), BENCH_CONTEXTS (10000),
// BENCH_HTTP_SECONDS (10), BENCH_CONNECTIONS (200), BENCH_CHANGES (200), BENCH_INGEST_SECONDS (10), BENCH_SENDERS (20).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import autocannon from 'autocannon';
import { openDatabase } from '../../src/db/client.ts';
import { createApiToken, createWorkspace } from '../../src/db/repositories/workspaces.ts';
import { workspaces } from '../../src/db/schema/index.ts';
import { CutoverProvider } from '../../src/sdk/openfeature-provider.ts';
import { createTestDatabase } from '../../tests/support/postgres.ts';
import type { EvalMessage, EvalRequest, EvalTarget } from './flags-eval.ts';
import { benchContexts, benchFlags, cutoverFlagBody, type BenchFlag } from './flags-fixtures.ts';
import { pinToCpu } from './pin.ts';
import { percentile, summarize } from './stats.ts';

const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const rounds = knob('BENCH_ROUNDS', 12);
const evaluationsPerRound = Math.ceil(knob('BENCH_EVALS', 200_000) / 100) * 100;
const contextCount = knob('BENCH_CONTEXTS', 10_000);
const httpSeconds = knob('BENCH_HTTP_SECONDS', 10);
const connections = knob('BENCH_CONNECTIONS', 200);
const changes = knob('BENCH_CHANGES', 200);
const ingestSeconds = knob('BENCH_INGEST_SECONDS', 10);
const senders = knob('BENCH_SENDERS', 20);
const ingestBatch = 500;
const environment = 'production';
const startedAt = performance.now();
// Other work on the machine shows in every figure: said at the start and the end.
const loadAtStart = loadavg().map((value) => value.toFixed(2)).join(' ');

const serverDatabase = await createTestDatabase(`cutover_bench_flags_${Date.now().toString(36)}`);
const database = await openDatabase({ kind: 'postgres', url: serverDatabase.url, maxConnections: 2 });
const workspace = await createWorkspace(database.db, `bench-flags-${Date.now().toString(36)}`);
if (!workspace) throw new Error('could not create the workspace');
const viewer = (await createApiToken(database.db, { workspaceId: workspace.id, name: 'bench-flags-viewer', role: 'viewer' })).plaintext;
const operator = (await createApiToken(database.db, { workspaceId: workspace.id, name: 'bench-flags-operator', role: 'operator' })).plaintext;
// The API-call quota (36,000 an hour) would refuse the HTTP load: raised for the run; the check itself stays on.
await database.db.update(workspaces).set({ quotas: { apiCallsPerHour: 1_000_000_000, apiCallsPerDay: 1_000_000_000 } });

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const server = spawn(process.execPath, ['--import', 'tsx', here('./flags-server.ts')], {
  env: { ...process.env, BENCH_DATABASE: serverDatabase.url },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const children: ChildProcess[] = [];

function rule(width = 100) {
  return '-'.repeat(width);
}

interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: string;
}
const table: Row[] = [];
let failure: Error | undefined;

try {
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      server.stdout.off('data', onData);
      server.stdout.resume();
      resolve(JSON.parse(buffered.slice(0, newline)) as Record<string, number>);
    };
    server.stdout.on('data', onData);
    server.once('exit', (code) => reject(new Error(`the bench API exited with ${code}`)));
  });
  const pinned = server.pid !== undefined && pinToCpu(0, server.pid) && pinToCpu(1, process.pid);
  const apiUrl = `http://127.0.0.1:${ports.quota}`;
  const plainUrl = `http://127.0.0.1:${ports.plain}`;

  const call = async <T>(method: string, path: string, token: string, body?: unknown, base = apiUrl): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  // The flags, made through the API; one more for the change-propagation figure, which the evaluations do not read.
  const flags = benchFlags();
  const ids = new Map<string, { id: string; version: number }>();
  const propagationFlag: BenchFlag = { key: 'bench-propagation', kind: 'rollout', rollout: 10 };
  for (const flag of [...flags, propagationFlag]) {
    const created = await call<{ id: string; version: number }>('POST', '/api/v1/features', operator, cutoverFlagBody(flag, environment));
    if (created.status !== 201) throw new Error(`POST /features ${flag.key}: ${created.status} ${JSON.stringify(created.body)}`);
    ids.set(flag.key, created.body);
  }

  console.log(`\nbench:flags — ${flags.length} flags (10 gradual rollouts, 5 targeted, 5 with weighted variants), ${contextCount} contexts; Postgres server`);
  console.log(`  ${pinned ? 'API on CPU 0; this load generator, its evaluation children and autocannon on CPU 1' : 'NOT pinned (no taskset)'}`);

  // 1. Local evaluations.
  const evalChild = (mode: 'cutover' | 'unleash') => {
    const child = fork(here('./flags-eval.ts'), [mode], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_API_URL: apiUrl, BENCH_TOKEN: viewer, BENCH_ENVIRONMENT: environment, BENCH_CONTEXTS: String(contextCount) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    if (child.pid !== undefined) pinToCpu(1, child.pid);
    return child;
  };
  const next = (child: ChildProcess) =>
    new Promise<EvalMessage>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`an evaluation child exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (message: EvalMessage) => {
        child.off('exit', onExit);
        resolve(message);
      });
    });
  // One child at a time while they warm up, too: neither's start-up falls on the other's.
  const cutoverChild = evalChild('cutover');
  const cutoverReady = await next(cutoverChild);
  const unleashChild = evalChild('unleash');
  const unleashReady = await next(unleashChild);
  // Pinned again now that each has all its threads.
  for (const child of children) if (child.pid !== undefined) pinToCpu(1, child.pid);
  if (cutoverReady.type !== 'ready' || unleashReady.type !== 'ready') throw new Error('the evaluation children did not start');
  for (const note of [...cutoverReady.notes, ...unleashReady.notes]) console.log(`  ${note}`);

  const agreeing = cutoverReady.answers.filter((answer, i) => answer === unleashReady.answers[i]).length;
  const agreement = agreeing / cutoverReady.answers.length;
  const byFlag = flags
    .map((flag, f) => {
      let same = 0;
      let total = 0;
      for (let i = f; i < cutoverReady.answers.length; i += flags.length, total++) if (cutoverReady.answers[i] === unleashReady.answers[i]) same++;
      return { key: flag.key, share: same / total };
    })
    .filter((entry) => entry.share < 1);
  console.log(`\n1. Local evaluation, ${rounds} rounds of ${evaluationsPerRound} evaluations per side; each side in its own child process, both on CPU 1, one at a time`);
  console.log(`  agreement with Unleash: ${(agreement * 100).toFixed(3)}% of ${cutoverReady.answers.length} context × flag answers${byFlag.length ? ` (differ: ${byFlag.map((entry) => `${entry.key} ${(entry.share * 100).toFixed(2)}%`).join(', ')})` : ' (every one the same)'}`);
  table.push({ figure: 'agreement with unleash-client', value: `${(agreement * 100).toFixed(2)}%`, target: '≥ 99%', verdict: agreement >= 0.99 ? 'met' : 'MISSED' });
  if (agreement < 0.99) throw new Error(`the provider and Unleash agree on only ${(agreement * 100).toFixed(2)}% of the answers (< 99%): the comparison would not be of the same work`);

  const targets: EvalTarget[] = ['cutover', 'unleash', 'cutover-quiet', 'openfeature'];
  const perSecond: Record<EvalTarget, number[]> = { cutover: [], unleash: [], 'cutover-quiet': [], openfeature: [] };
  const perEvaluationNs: Record<EvalTarget, number[]> = { cutover: [], unleash: [], 'cutover-quiet': [], openfeature: [] };
  const childOf: Record<EvalTarget, ChildProcess> = { cutover: cutoverChild, unleash: unleashChild, 'cutover-quiet': cutoverChild, openfeature: cutoverChild };
  for (let round = 0; round < rounds; round++) {
    const order = [...targets].sort(() => Math.random() - 0.5);
    for (const target of order) {
      const child = childOf[target];
      // Through OpenFeature's client each evaluation is awaited: a tenth of the work keeps the round short.
      const evaluations = target === 'openfeature' ? evaluationsPerRound / 10 : evaluationsPerRound;
      const answer = next(child);
      child.send({ type: 'round', target, evaluations } satisfies EvalRequest);
      const result = await answer;
      if (result.type !== 'round') throw new Error('unexpected message');
      perSecond[target].push(evaluations / result.seconds);
      for (const ns of result.batchNs) perEvaluationNs[target].push(ns / 100);
    }
  }
  for (const child of [cutoverChild, unleashChild]) child.send({ type: 'stop' } satisfies EvalRequest);
  const ratios = perSecond.cutover.map((value, i) => value / perSecond.unleash[i]!);
  const ofRatios = perSecond.openfeature.map((value, i) => value / perSecond.unleash[i]!);
  const fmtRate = (value: number) => (value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(0)} k/s`);
  const fmtNs = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
  const labels: Record<EvalTarget, string> = {
    cutover: 'CutoverProvider.resolve',
    unleash: 'unleash-client (offline)',
    'cutover-quiet': 'resolve, impressions off',
    openfeature: 'OpenFeature client → provider',
  };
  console.log(`  ${'side'.padEnd(32)} ${'evals/s median'.padStart(14)} ${'min'.padStart(10)} ${'max'.padStart(10)}   per evaluation (batches of 100): p50 / p99 / max`);
  for (const target of targets) {
    const s = summarize(perSecond[target]);
    const e = summarize(perEvaluationNs[target]);
    console.log(`  ${labels[target].padEnd(32)} ${fmtRate(s.p50).padStart(14)} ${fmtRate(Math.min(...perSecond[target])).padStart(10)} ${fmtRate(s.max).padStart(10)}   ${fmtNs(e.p50)} / ${fmtNs(e.p99)} / ${fmtNs(e.max)}`);
  }
  const medianRatio = percentile(ratios, 0.5);
  console.log(`  ratio provider / Unleash per round: median ${medianRatio.toFixed(2)}×, min ${Math.min(...ratios).toFixed(2)}×, max ${Math.max(...ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(' ')})`);
  const quietRatios = perSecond['cutover-quiet'].map((value, i) => value / perSecond.unleash[i]!);
  console.log(`  ratio per round, median: impressions off / Unleash ${percentile(quietRatios, 0.5).toFixed(2)}×, OpenFeature client / Unleash ${percentile(ofRatios, 0.5).toFixed(2)}×`);
  table.push({ figure: 'local evals/s, provider ÷ Unleash (median of rounds)', value: `${medianRatio.toFixed(2)}× (${fmtRate(percentile(perSecond.cutover, 0.5))} vs ${fmtRate(percentile(perSecond.unleash, 0.5))})`, target: '≥ 2×', verdict: medianRatio >= 2 ? 'met' : 'MISSED' });
  table.push({ figure: 'local evaluation p99, provider / Unleash', value: `${fmtNs(percentile(perEvaluationNs.cutover, 0.99))} / ${fmtNs(percentile(perEvaluationNs.unleash, 0.99))}`, target: '(reported)', verdict: '' });
  table.push({ figure: 'local evals/s, impressions off ÷ Unleash', value: `${percentile(quietRatios, 0.5).toFixed(2)}× (${fmtRate(percentile(perSecond['cutover-quiet'], 0.5))})`, target: '(reported)', verdict: '' });
  table.push({ figure: 'local evals/s through the OpenFeature client', value: `${fmtRate(percentile(perSecond.openfeature, 0.5))} (${percentile(ofRatios, 0.5).toFixed(2)}× Unleash)`, target: '(reported)', verdict: '' });
  for (const child of [cutoverChild, unleashChild]) if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));

  // 2. HTTP evaluation under load.
  const contexts = benchContexts(200);
  const flagId = (key: string) => ids.get(key)!.id;
  const headers = { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' };
  const evaluateRequests = flags.map((flag, i) => ({
    method: 'POST' as const,
    path: `/api/v1/features/${flagId(flag.key)}/evaluate`,
    headers,
    body: JSON.stringify({ context: { user_id: contexts[i * 7]!.userId, country: contexts[i * 7]!.country, email: contexts[i * 7]!.email } }),
  }));
  const ofrepRequests = flags.map((flag, i) => ({
    method: 'POST' as const,
    path: `/api/v1/flags/${environment}/ofrep/v1/evaluate/flags/${flag.key}`,
    headers,
    body: JSON.stringify({ context: { targetingKey: contexts[i * 7]!.userId, country: contexts[i * 7]!.country, email: contexts[i * 7]!.email } }),
  }));
  const load = (url: string, requests: typeof evaluateRequests) => autocannon({ url, connections, duration: httpSeconds, requests });
  console.log(`\n2. HTTP evaluation: ${connections} connections for ${httpSeconds} s each (autocannon on CPU 1, API on CPU 0; latency in whole ms, autocannon's histogram)`);
  const httpRuns: Array<[string, string, typeof evaluateRequests]> = [
    ['POST /features/{id}/evaluate (quota check on)', apiUrl, evaluateRequests],
    ['POST /features/{id}/evaluate (quota check off)', plainUrl, evaluateRequests],
    ['OFREP POST …/evaluate/flags/{key} (quota on)', apiUrl, ofrepRequests],
  ];
  // Between runs the API works off what the last one left queued: the next starts once one request answers quickly.
  const settle = async (url: string) => {
    for (let i = 0; i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = performance.now();
      const probe = await fetch(`${url}${evaluateRequests[0]!.path}`, { method: 'POST', headers, body: evaluateRequests[0]!.body });
      await probe.arrayBuffer();
      if (performance.now() - started < 50) return;
    }
  };
  for (const [label, url, requests] of httpRuns) {
    await settle(url);
    const result = await load(url, requests);
    const rate = result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000);
    console.log(
      `  ${label.padEnd(48)} p50 ${String(result.latency.p50).padStart(4)} ms  p99 ${String(result.latency.p99).padStart(4)} ms  max ${String(result.latency.max).padStart(5)} ms  ${rate.toFixed(0).padStart(6)} req/s  non-2xx ${result.non2xx}  errors ${result.errors}`,
    );
    table.push({ figure: `HTTP ${label}, ${connections} conn.`, value: `p99 ${result.latency.p99} ms, ${rate.toFixed(0)} req/s`, target: result.non2xx + result.errors === 0 ? '(reported; all 2xx)' : '(reported)', verdict: result.non2xx + result.errors === 0 ? '' : `${result.non2xx} non-2xx, ${result.errors} errors` });
  }

  await settle(apiUrl);

  // 3. Change → provider.
  const provider = new CutoverProvider({ apiUrl, token: viewer, environment, impressions: true, flushIntervalMs: 3_600_000 });
  await OpenFeature.setProviderAndWait('bench-propagation', provider);
  const seen: number[] = [];
  const putTimes: number[] = [];
  const { key: _key, environment: _environment, ...fields } = cutoverFlagBody(propagationFlag, environment);
  let version = ids.get(propagationFlag.key)!.version;
  for (let i = 0; i < changes; i++) {
    const started = performance.now();
    const changed = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`change ${i}: no ConfigurationChanged within 5 s`)), 5_000);
      const handler = (details?: EventDetails) => {
        if (!(details as { flagsChanged?: string[] } | undefined)?.flagsChanged?.includes(propagationFlag.key)) return;
        clearTimeout(timer);
        provider.events.removeHandler(ProviderEvents.ConfigurationChanged, handler);
        resolve(performance.now() - started);
      };
      provider.events.addHandler(ProviderEvents.ConfigurationChanged, handler);
    });
    const put = await call<{ version: number }>('PUT', `/api/v1/features/${flagId(propagationFlag.key)}`, operator, { ...fields, rollout_pct: 10 + (i % 2), version });
    putTimes.push(performance.now() - started);
    if (put.status !== 200) throw new Error(`PUT ${propagationFlag.key}: ${put.status} ${JSON.stringify(put.body)}`);
    version = put.body.version;
    seen.push(await changed);
  }
  await OpenFeature.clearProviders();
  const prop = summarize(seen);
  const puts = summarize(putTimes);
  console.log(`\n3. Flag change → provider's ConfigurationChanged naming it: ${changes} PUT /features/{id}, one at a time (NOTIFY → stream → provider)`);
  console.log(`  change seen  p50 ${prop.p50.toFixed(1)} ms  p95 ${prop.p95.toFixed(1)} ms  p99 ${prop.p99.toFixed(1)} ms  max ${prop.max.toFixed(1)} ms`);
  console.log(`  PUT answered p50 ${puts.p50.toFixed(1)} ms  p95 ${puts.p95.toFixed(1)} ms  p99 ${puts.p99.toFixed(1)} ms  (the change is seen ${percentile(seen.map((value, i) => value - putTimes[i]!), 0.5).toFixed(1)} ms after the PUT's answer at the median)`);
  table.push({ figure: 'change → provider sees it, p99', value: `${prop.p99.toFixed(1)} ms (p50 ${prop.p50.toFixed(1)}, p95 ${prop.p95.toFixed(1)})`, target: '< 100 ms', verdict: prop.p99 < 100 ? 'met' : 'MISSED' });

  // 4. Event ingest.
  let accepted = 0;
  let sent = 0;
  let refused = 0;
  const batchTimes: number[] = [];
  const deadline = performance.now() + ingestSeconds * 1000;
  const ingestStarted = performance.now();
  const runId = randomUUID().slice(0, 8);
  await Promise.all(
    Array.from({ length: senders }, async (_, sender) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const events = Array.from({ length: ingestBatch }, (_, k) => {
          const flag = flags[k % flags.length]!;
          return { id: `${runId}-${sender}-${n}-${k}`, kind: 'impression', feature_key: flag.key, variant: flag.kind === 'variants' ? 'a' : 'on', reason: 'SPLIT', subject: `user-${(n * ingestBatch + k) % contextCount}` };
        });
        const started = performance.now();
        const answer = await call<{ accepted: number }>('POST', '/api/v1/features/events', viewer, { environment, events });
        batchTimes.push(performance.now() - started);
        sent += events.length;
        if (answer.status === 202) accepted += answer.body.accepted;
        else refused++;
      }
    }),
  );
  const ingestElapsed = (performance.now() - ingestStarted) / 1000;
  const eventsPerSecond = accepted / ingestElapsed;
  const batches = summarize(batchTimes);
  console.log(`\n4. Event ingest: POST /features/events, ${senders} senders, batches of ${ingestBatch} impressions, ${ingestSeconds} s`);
  console.log(`  ${eventsPerSecond.toFixed(0)} events/s stored (${accepted} of ${sent} sent in ${ingestElapsed.toFixed(1)} s; ${refused} batches refused)  batch p50 ${batches.p50.toFixed(0)} ms  p99 ${batches.p99.toFixed(0)} ms`);
  table.push({ figure: `event ingest (${senders} senders × ${ingestBatch})`, value: `${eventsPerSecond.toFixed(0)} events/s (batch p99 ${batches.p99.toFixed(0)} ms)`, target: '(reported)', verdict: refused ? `${refused} refused` : '' });
} catch (error) {
  failure = error as Error;
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  server.kill('SIGTERM');
  if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
  await database.close();
  await serverDatabase.drop();
}

if (table.length > 0) {
  const width = [Math.max(...table.map((row) => row.figure.length)), Math.max(...table.map((row) => row.value.length)), Math.max(...table.map((row) => row.target.length))];
  console.log(`\nSummary (${((performance.now() - startedAt) / 1000).toFixed(0)} s; load average ${loadAtStart} at the start, ${loadavg().map((value) => value.toFixed(2)).join(' ')} at the end)`);
  console.log(rule(width[0]! + width[1]! + width[2]! + 16));
  for (const row of table) console.log(`  ${row.figure.padEnd(width[0]!)}  ${row.value.padEnd(width[1]!)}  ${row.target.padEnd(width[2]!)}  ${row.verdict}`);
}
if (failure) {
  console.error(`\nbench:flags FAILED: ${failure.message}`);
  process.exit(1);
}
process.exit(0);

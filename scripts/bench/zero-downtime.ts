// `npm run bench:zero-downtime`: fixed-rate load through the local target's proxy while traffic is switched
// blue -> green and rolled back ten times each, beside the same load straight at the app (the floor) and through
// a bare Node proxy (the least any proxy in Node costs). Its own supervisor (temp data dir, free port) runs the
// sample app's 1.0.0 as blue and 2.0.0 as green; prints the figures.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { SupervisorClient } from '../../src/targets/local/supervisor-client.ts';
import type { Color } from '../../src/workflows/lib/colors.ts';
import { startSampleService, startTestSupervisor } from '../../tests/support/local-supervisor.ts';
import { freePort } from '../../tests/support/ports.ts';
import { mergeLoads, runLoad, type LoadResult, type RouteTrack } from './load.ts';
import { printReport, type Timings } from './zero-downtime-report.ts';

// A little over the 500/s target, so the rate achieved clears it.
const rate = Number(process.env.BENCH_RATE ?? 520);
/** Seconds of load on each path, in all. */
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
// Enough connections that a slow answer on one does not hold back the rate, few enough that each carries
// a steady stream (the rate is spread over them): what a handful of busy clients look like.
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
// BENCH_ALIGNED=1: autocannon's own rate shape (see load.ts), a burst of the whole second's requests at once.
const aligned = process.env.BENCH_ALIGNED === '1';
// What every request asks for: `/slow?ms=2` makes the app take 2 ms, like a service that does some work.
const requestPath = process.env.BENCH_PATH ?? '/';
const changes = 10;
// The paths take turns, a quarter of the time each turn, so a neighbour's load that comes and goes falls on both.
const rounds = 4;
const warmUpSeconds = 3;
const key = 'bench';

/** `count` route changes evenly spaced over `spanMs`, each to the colour not serving: blue -> green is a switch. */
async function changeRoutes(client: SupervisorClient, track: RouteTrack, timings: Timings, count: number, spanMs: number): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    await sleep(Math.max(0, started + (spanMs * (i + 1)) / (count + 1) - performance.now()));
    const to: Color = track.segment % 2 === 0 ? 'green' : 'blue';
    const weights = to === 'green' ? { blue: 0, green: 100 } : { blue: 100, green: 0 };
    // A request sent before or during the call may land on either colour; one sent after its answer only on `to`.
    track.expected = undefined;
    track.started += 1;
    const t0 = performance.now();
    const routes = await client.setRoutes(key, { weights });
    (to === 'green' ? timings.switch : timings.rollback).push(performance.now() - t0);
    // The answer is the routes in force: it is the verification.
    if (routes.weights[to] !== 100) throw new Error(`change ${track.started} to ${to} answered ${JSON.stringify(routes.weights)}`);
    track.segment += 1;
    track.expected = to;
  }
}

/** Direct, bare-proxy and proxied load in turns; the route changes are spread over the proxied turns. */
async function measure(client: SupervisorClient, urls: { direct: string; bare: string; proxied: string }) {
  const steady = (color: Color): RouteTrack => ({ expected: color, started: 0, segment: 0 });
  const load = (url: string, track: RouteTrack, duration: number) =>
    runLoad({ url: url + requestPath, rate, seconds: duration, connections, track, aligned });
  // Every path warm (JIT, connection pools) before anything is measured.
  for (const url of Object.values(urls)) await load(url, steady('blue'), warmUpSeconds);

  const turn = seconds / rounds;
  const direct: LoadResult[] = [];
  const bare: LoadResult[] = [];
  const proxy: LoadResult[] = [];
  const timings: Timings = { switch: [], rollback: [] };
  const track = steady('blue');
  for (let round = 0; round < rounds; round += 1) {
    direct.push(await load(urls.direct, steady('blue'), turn));
    bare.push(await load(urls.bare, steady('blue'), turn));
    const count = Math.round((2 * changes * (round + 1)) / rounds) - track.started;
    const [proxied] = await Promise.all([load(urls.proxied, track, turn), changeRoutes(client, track, timings, count, turn * 1000)]);
    proxy.push(proxied);
  }
  return { direct: mergeLoads(direct), bare: mergeLoads(bare), proxy: mergeLoads(proxy), timings };
}

/** The bare Node proxy in a process of its own (as the supervisor's proxy is), in front of `upstream`. */
async function startBareProxy(upstream: number) {
  const port = await freePort();
  const child = fork(fileURLToPath(new URL('./bare-proxy.mjs', import.meta.url)), [String(port), String(upstream)], { stdio: 'inherit' });
  await once(child, 'message');
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const supervisor = await startTestSupervisor();
  // A detached supervisor outlives this script unless stopped: Ctrl-C stops it too.
  process.once('SIGINT', () => void supervisor.stop().finally(() => process.exit(130)));
  try {
    const { client } = supervisor;
    const ports = await startSampleService(client, key, { blue: '1.0.0', green: '2.0.0' });
    await client.setRoutes(key, { weights: { blue: 100, green: 0 } });

    const bareProxy = await startBareProxy(ports.blue);
    try {
      const result = await measure(client, { direct: `http://127.0.0.1:${ports.blue}`, bare: bareProxy.url, proxied: `http://127.0.0.1:${ports.port}` });
      printReport({ rate, seconds, connections, aligned, rounds, changes, requestPath, ...result });
    } finally {
      bareProxy.stop();
    }
  } finally {
    await supervisor.stop();
  }
}

await main();

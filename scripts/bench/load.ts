// Fixed-rate HTTP load with autocannon, keeping what its summary drops: every latency as a float (its histogram
// rounds to whole milliseconds, too coarse for a loopback hop) and which colour answered each request.
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type { Color } from '../../src/workflows/lib/colors.ts';

/** What the route changer tells the load about the routes, so each answer can be checked against them. */
export interface RouteTrack {
  /** The colour every request must land on, or undefined while a change is under way (either may answer). */
  expected: Color | undefined;
  /** Changes begun so far: a request that a later change overtook may land on either colour. */
  started: number;
  /** Which stretch between changes this is: counts hits per stretch. */
  segment: number;
}

export interface LoadOptions {
  url: string;
  /** Requests per second over all connections. */
  rate: number;
  seconds: number;
  connections: number;
  /** Where requests must land, read as each request is sent; the route changer updates it. */
  track: RouteTrack;
  /** autocannon's own shape: every connection's quota sent at the start of each second, in step. */
  aligned?: boolean;
}

export interface LoadResult {
  seconds: number;
  responses: number;
  /** Latency of every response, in ms. */
  latencies: number[];
  non2xx: number;
  /** Socket errors and timeouts (autocannon counts a timeout as an error too). */
  errors: number;
  timeouts: number;
  byColor: Record<Color, number>;
  /** Requests sent under a settled route, overtaken by no change, that landed on the other colour. */
  misrouted: number;
  /** Per segment, responses from the colour that segment expected. */
  hitsBySegment: number[];
}

const colorOf = (body: Buffer): Color | undefined =>
  body.includes('"color":"blue"') ? 'blue' : body.includes('"color":"green"') ? 'green' : undefined;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { track } = options;
  const latencies: number[] = [];
  const byColor: Record<Color, number> = { blue: 0, green: 0 };
  const hitsBySegment: number[] = [];
  let misrouted = 0;
  let wrongStatus = 0;

  // One request at a time per connection (no pipelining), so a connection's state is that of its one request.
  const setupClient = (client: autocannon.Client) => {
    let expected: Color | undefined;
    let startedBefore = 0;
    let sentIn = 0;
    let answeredBy: Color | undefined;
    // 'request' is emitted by autocannon's client but missing from its types.
    (client as EventEmitter).on('request', () => {
      expected = track.expected;
      startedBefore = track.started;
      sentIn = track.segment;
    });
    client.on('body', (body) => {
      answeredBy ??= colorOf(body);
    });
    client.on('response', (status) => {
      if (status >= 200 && status < 300 && answeredBy) {
        byColor[answeredBy] += 1;
        if (expected && answeredBy !== expected && track.started === startedBefore) misrouted += 1;
        if (expected === answeredBy) hitsBySegment[sentIn] = (hitsBySegment[sentIn] ?? 0) + 1;
      } else if (status >= 200 && status < 300) wrongStatus += 1;
      answeredBy = undefined;
    });
  };

  // autocannon's rate limit lets each connection send its quota for the second back to back as soon as the
  // second starts, all connections in step: one burst of `rate` requests at full concurrency each second, which
  // measures queueing in that burst, not a steady rate. So each connection is its own autocannon instance, their
  // seconds staggered evenly; `aligned` keeps autocannon's own shape (one instance) to compare.
  const instances = options.aligned ? 1 : options.connections;
  const share = (total: number, i: number) => Math.floor(total / instances) + (i < total % instances ? 1 : 0);
  const results = await Promise.all(
    Array.from({ length: instances }, async (_, i) => {
      await sleep((1000 * i) / instances);
      return new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          { url: options.url, connections: share(options.connections, i), overallRate: share(options.rate, i), duration: options.seconds, timeout: 5, setupClient },
          (error, done) => (error ? reject(new Error(`load on ${options.url} failed`, { cause: error })) : resolve(done)),
        );
        instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
      });
    }),
  );
  const sum = (pick: (result: autocannon.Result) => number) => results.reduce((total, result) => total + pick(result), 0);
  return {
    seconds: sum((result) => result.duration) / instances,
    responses: latencies.length,
    latencies,
    // A 2xx answer that names no colour is not the sample app's: counted as failed with the non-2xx.
    non2xx: sum((result) => result.non2xx) + wrongStatus,
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    byColor,
    misrouted,
    hitsBySegment,
  };
}

/** Several runs as one: counts add up, latencies pool, the time is the sum of the runs' times. */
export function mergeLoads(runs: LoadResult[]): LoadResult {
  const sum = (pick: (run: LoadResult) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const hitsBySegment: number[] = [];
  for (const run of runs) run.hitsBySegment.forEach((hits, i) => (hitsBySegment[i] = (hitsBySegment[i] ?? 0) + (hits ?? 0)));
  return {
    seconds: sum((run) => run.seconds),
    responses: sum((run) => run.responses),
    latencies: runs.flatMap((run) => run.latencies),
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    byColor: { blue: sum((run) => run.byColor.blue), green: sum((run) => run.byColor.green) },
    misrouted: sum((run) => run.misrouted),
    hitsBySegment,
  };
}

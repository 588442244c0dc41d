// The table `npm run bench:zero-downtime` prints, as Markdown so it can go into docs/benchmarks.md as it is.
import type { LoadResult } from './load.ts';
import { summarize } from './stats.ts';

/** The targets: 500 requests/s sustained, no failed request, p99 through the proxy within 1.3x of direct. */
const targets = { rate: 500, failed: 0, p99Ratio: 1.3 };

/** Durations of the route changes, in ms. */
export interface Timings {
  switch: number[];
  rollback: number[];
}

export interface Report {
  rate: number;
  seconds: number;
  connections: number;
  aligned: boolean;
  rounds: number;
  changes: number;
  requestPath: string;
  direct: LoadResult;
  /** Through a bare Node proxy: what any proxy in Node costs here. */
  bare: LoadResult;
  proxy: LoadResult;
  timings: Timings;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const verdict = (met: boolean) => (met ? 'met' : '**MISSED**');
const failed = (run: LoadResult) => run.errors + run.non2xx;
const achieved = (run: LoadResult) => run.responses / run.seconds;

function loadRow(name: string, run: LoadResult): string {
  const latency = summarize(run.latencies);
  const failures = `${failed(run)} (${run.errors} errors incl. ${run.timeouts} timeouts, ${run.non2xx} non-2xx)`;
  return `| ${name} | ${achieved(run).toFixed(1)}/s | ${run.responses} | ${failures} | ${ms(latency.p50)} | ${ms(latency.p99)} | ${ms(latency.max)} |`;
}

function timingRow(name: string, samples: number[]): string {
  const timing = summarize(samples);
  return `| ${name} | ${timing.n} | ${ms(timing.p50)} | ${ms(timing.p99)} | ${ms(timing.max)} |`;
}

export function printReport(report: Report): void {
  const { direct, bare, proxy } = report;
  const p99 = (run: LoadResult) => summarize(run.latencies).p99;
  const ratio = p99(proxy) / p99(direct);
  const segments = 2 * report.changes + 1;
  const emptySegments = Array.from({ length: segments }, (_, i) => proxy.hitsBySegment[i] ?? 0).filter((hits) => hits === 0).length;
  const moved = proxy.misrouted === 0 && emptySegments === 0 && direct.misrouted === 0 && bare.misrouted === 0;
  const rateMet = Math.min(achieved(direct), achieved(bare), achieved(proxy)) >= targets.rate;

  const shape = report.aligned ? 'all connections in step, as autocannon sends' : 'connections staggered over each second';
  const lines = [
    '',
    `bench:zero-downtime: GET ${report.requestPath} at ${report.rate} req/s offered (autocannon overallRate, ${shape}), ${report.connections} keep-alive connections, ${report.seconds} s per path in ${report.rounds} turns each, the paths taking turns`,
    '',
    '| path | rate achieved | requests | failed | p50 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    loadRow('direct to the app (blue)', direct),
    loadRow('through a bare Node proxy (reference)', bare),
    loadRow(`through the proxy, ${report.changes} switches + ${report.changes} rollbacks`, proxy),
    '',
    '| route change (setRoutes call → routes returned) | n | p50 | p99 | max |',
    '| --- | --- | --- | --- | --- |',
    timingRow('switch blue → green', report.timings.switch),
    timingRow('rollback green → blue', report.timings.rollback),
    '',
    `- traffic through the proxy: blue ${proxy.byColor.blue}, green ${proxy.byColor.green}; requests sent after a change answered that landed on the old colour: ${proxy.misrouted}; stretches between changes with no request on the new colour: ${emptySegments} of ${segments}`,
    `- rate ≥ ${targets.rate}/s on every path: ${verdict(rateMet)}`,
    `- failed requests through the proxy = ${targets.failed}: ${verdict(failed(proxy) === targets.failed)} (${failed(proxy)}; direct: ${failed(direct)}; bare proxy: ${failed(bare)})`,
    `- p99 through the proxy / p99 direct = ${ratio.toFixed(2)}x, target ≤ ${targets.p99Ratio}x: ${verdict(ratio <= targets.p99Ratio)}`,
    `- p99 through the proxy / p99 through the bare Node proxy = ${(p99(proxy) / p99(bare)).toFixed(2)}x (the bare proxy / direct: ${(p99(bare) / p99(direct)).toFixed(2)}x)`,
    `- traffic moved at every change and only then: ${verdict(moved)}`,
  ];
  console.log(lines.join('\n'));
}

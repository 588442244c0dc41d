// The sample service the demo and the benchmarks release on the local target: plain Node, no dependencies.
// GET /healthz answers {"status":"ok"}; /slow?ms=N answers after N ms; any other path answers the version and
// colour that served it (and what the release's `home` adds: 2.0.0 on show a feature flag, see flags.mjs).
import { createServer } from 'node:http';

/**
 * Serves on $PORT until SIGTERM, then finishes its open requests and exits.
 * `failAfterMs`: a release with a bug that surfaces only after it has been up a while (every answer is 500).
 * `home`: `async (request) => fields` added to every answer but /healthz's (which never waits for it).
 */
export function serve({ version, failAfterMs, home }) {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to the port to listen on');
  const started = Date.now();
  const server = createServer((request, response) => {
    const slow = /^\/slow\?ms=(\d+)$/.exec(request.url ?? '');
    if (slow) {
      setTimeout(() => void answer(request, response), Math.min(Number(slow[1]), 60_000));
      return;
    }
    void answer(request, response);
  });
  async function answer(request, response) {
    const broken = failAfterMs !== undefined && Date.now() - started > failAfterMs;
    const status = broken ? 500 : 200;
    const body = broken
      ? { error: `sample-app ${version} is failing: its request cache overflowed` }
      : request.url === '/healthz'
        ? { status: 'ok', version }
        : { service: 'sample-app', version, color: process.env.CUTOVER_COLOR ?? null, ...(home ? await home(request).catch(() => ({})) : {}) };
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }
  // Idle connections from the proxy stay open a long time (the proxy retries a request that meets a closing one).
  server.keepAliveTimeout = 65_000;
  server.listen(port, process.env.HOST ?? '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

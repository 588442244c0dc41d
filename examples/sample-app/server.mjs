// The sample service the demo and the benchmarks release on the local target: plain Node, no dependencies.
// GET /healthz answers {"status":"ok"}; any other path answers the version and colour that served it.
import { createServer } from 'node:http';

/**
 * Serves on $PORT until SIGTERM, then finishes its open requests and exits.
 * `failAfterMs`: a release with a bug that surfaces only after it has been up a while (every answer is 500).
 */
export function serve({ version, failAfterMs }) {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to the port to listen on');
  const started = Date.now();
  const server = createServer((request, response) => {
    const broken = failAfterMs !== undefined && Date.now() - started > failAfterMs;
    const status = broken ? 500 : 200;
    const body = broken
      ? { error: `sample-app ${version} is failing: its request cache overflowed` }
      : request.url === '/healthz'
        ? { status: 'ok', version }
        : { service: 'sample-app', version, color: process.env.CUTOVER_COLOR ?? null };
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  // Longer than the proxy's idle keep-alive, so the proxy closes idle connections first, never the app.
  server.keepAliveTimeout = 65_000;
  server.listen(port, process.env.HOST ?? '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

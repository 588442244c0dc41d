import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { App } from './create-app.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/**
 * An unread request body up to this size is read to its end and discarded after the answer, so the kept-alive
 * connection serves the next request (the app answers 401/403/404/413 without reading the body). A larger
 * declared body is answered with `Connection: close` instead: the client then knows to open a new connection.
 */
const maxDrainBytes = 8 * 1024 * 1024;

function keepConnectionUsable(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (Number(incoming.headers['content-length'] ?? 0) > maxDrainBytes) outgoing.setHeader('connection', 'close');
  outgoing.once('finish', () => {
    if (incoming.readableEnded || incoming.destroyed) return;
    // The app is done with the body: drop its stream's reader, which would pause the socket again once its queue is full.
    incoming.removeAllListeners('data');
    let drained = 0;
    incoming.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      // A body of unknown length that keeps coming: the answer is sent, end the connection.
      if (drained > maxDrainBytes) incoming.socket.destroy();
    });
    incoming.resume();
  });
}

/**
 * Serves the app and resolves once it listens; close() lets in-flight requests finish for up to `closeGraceMs`
 * (5 s), then ends the connections still open: event streams (a connected flag provider's, a release's) would
 * otherwise hold a stop for as long as they last, up to an hour.
 */
export function serveApp(app: App, options: { port: number; hostname: string; closeGraceMs?: number }): Promise<RunningServer> {
  // The drain above replaces the adapter's own (autoCleanupIncoming), which gives up after 500 ms and then closes
  // a connection it advertised as kept alive: a slow or large unread body lost the next request on it.
  const listener = getRequestListener(app.fetch, { hostname: options.hostname, autoCleanupIncoming: false });
  const server = createServer((incoming, outgoing) => {
    keepConnectionUsable(incoming, outgoing);
    void listener(incoming, outgoing);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            const grace = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 5_000);
            grace.unref();
            server.close(() => {
              clearTimeout(grace);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}

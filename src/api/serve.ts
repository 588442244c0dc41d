import { serve, type ServerType } from '@hono/node-server';
import type { App } from './create-app.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Serves the app and resolves once it listens; close() lets in-flight requests finish. */
export function serveApp(app: App, options: { port: number; hostname: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    server = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname }, (info) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server?.close(() => done());
            if (server && 'closeIdleConnections' in server) server.closeIdleConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}

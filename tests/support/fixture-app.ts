import { createServer, type Server } from 'node:http';

/**
 * A tiny HTTP app standing in for a colour's endpoint (kwok's fake nodes run no containers):
 * the test sets the status and body it answers with, and reads how many requests it got.
 */
export interface FixtureApp {
  url: string;
  readonly requests: number;
  /** Bodies of the requests it got, in order. */
  readonly bodies: string[];
  respond(status: number, body?: unknown): void;
  close(): Promise<void>;
}

export async function startFixtureApp(initial: { status: number; body?: unknown } = { status: 200, body: { status: 'ok' } }): Promise<FixtureApp> {
  let reply = initial;
  let requests = 0;
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    requests += 1;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.body ?? { status: reply.status < 400 ? 'ok' : 'failing' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fixture app has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get requests() {
      return requests;
    },
    bodies,
    respond(status, body) {
      reply = { status, body };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

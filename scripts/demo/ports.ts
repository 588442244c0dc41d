import { createServer } from 'node:net';

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** The preferred ports where free (easy to remember: 8600…), otherwise any free ones; never the same twice. */
export async function pickPorts<const T extends readonly number[]>(preferred: T): Promise<{ -readonly [K in keyof T]: number }> {
  const chosen: number[] = [];
  for (const port of preferred) {
    let found = await tryListen(port);
    while (found === undefined || chosen.includes(found)) found = await tryListen(0);
    chosen.push(found);
  }
  // One port for each one asked for, in order.
  return chosen as { -readonly [K in keyof T]: number };
}

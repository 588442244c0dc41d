// needs: nothing (HTTP servers on loopback)
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedAddress, EgressRefusedError, egressFetch, type EgressRules } from '../../src/security/egress.ts';

// The enforcing fetch against real HTTP servers on 127.0.0.1: one the rules allow, one they forbid (it
// stands in for Postgres, Temporal or an internal service). Every refusal must leave the forbidden server
// without a single request.

interface Fixture {
  port: number;
  origin: string;
  seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  /** Responses that were closed before their body was all written (the client stopped reading). */
  cutShort: number;
  close(): Promise<void>;
}

async function startFixture(handle: (url: string, response: ServerResponse, fixture: Fixture) => void): Promise<Fixture> {
  const fixture = { seen: [], cutShort: 0 } as unknown as Fixture;
  const server = createServer((request, response) => {
    fixture.seen.push({ method: request.method ?? '', url: request.url ?? '/', headers: request.headers });
    response.on('close', () => {
      if (!response.writableFinished) fixture.cutShort += 1;
    });
    handle(request.url ?? '/', response, fixture);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the fixture has no port');
  fixture.port = address.port;
  fixture.origin = `http://127.0.0.1:${address.port}`;
  fixture.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fixture;
}

/** Writes `total` bytes of `x` as fast as the client reads them. */
function stream(response: ServerResponse, total: number) {
  response.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(16 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < total && !response.destroyed) {
      sent += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', pump);
    }
    if (!response.destroyed) response.end();
  };
  pump();
}

describe('the enforcing fetch', () => {
  let allowed: Fixture;
  let forbidden: Fixture;
  /** Only the allowed fixture's origin is the target's own; nothing else is granted. */
  let rules: EgressRules;

  beforeAll(async () => {
    forbidden = await startFixture((_url, response) => response.end('secret'));
    allowed = await startFixture((url, response) => {
      if (url === '/ok') return void response.end('hello');
      if (url === '/big') return stream(response, 8 * 1024 * 1024);
      if (url === '/to-forbidden') return void response.writeHead(302, { location: `${forbidden.origin}/secret` }).end();
      if (url === '/to-metadata') return void response.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (url === '/to-ok') return void response.writeHead(307, { location: '/ok' }).end();
      response.writeHead(404).end();
    });
    rules = { hosts: [], cidrs: [], ownOrigins: [allowed.origin], platformPorts: [forbidden.port], localAddresses: [] };
  });
  afterAll(async () => {
    await allowed.close();
    await forbidden.close();
  });

  it('fetches an allowed origin', async () => {
    const answer = await egressFetch(`${allowed.origin}/ok`, {}, rules);
    expect(answer).toMatchObject({ status: 200, ok: true, truncated: false });
    expect(answer.text()).toBe('hello');
  });

  it('refuses localhost (a name resolving to loopback) when loopback is not allowed, even with the name allowed', async () => {
    const byName = { ...rules, hosts: ['localhost'] };
    const refused = egressFetch(`http://localhost:${allowed.port}/ok`, {}, byName);
    await expect(refused).rejects.toBeInstanceOf(EgressRefusedError);
    await expect(refused).rejects.toThrow(/^localhost resolves to (127\.0\.0\.1|::1), which is loopback and not in the binding's egress CIDRs$/);
    expect(allowed.seen.filter((request) => request.headers.host?.startsWith('localhost'))).toEqual([]);

    // A CIDR that allows loopback lets the same name through.
    const answer = await egressFetch(`http://localhost:${allowed.port}/ok`, {}, { ...byName, cidrs: ['127.0.0.0/8', '::1/128'] });
    expect(answer.text()).toBe('hello');
  });

  it("refuses http://127.0.0.1:<platform port> even with 127.0.0.0/8 allowed, by address and by name", async () => {
    const loopback = { ...rules, hosts: ['localhost'], cidrs: ['127.0.0.0/8', '::1/128'] };
    await expect(egressFetch(`${forbidden.origin}/`, {}, loopback)).rejects.toThrow(`port ${forbidden.port} is one of the platform's own ports (on 127.0.0.1)`);
    await expect(egressFetch(`http://localhost:${forbidden.port}/`, { method: 'POST', body: '{}' }, loopback)).rejects.toThrow(
      /^localhost resolves to (127\.0\.0\.1|::1): port \d+ is one of the platform's own ports$/,
    );
    // The connector's own check, as the socket is opened, without the check made before sending.
    await expect(checkedAddress('http:', 'localhost', forbidden.port, loopback)).rejects.toBeInstanceOf(EgressRefusedError);
    await expect(checkedAddress('http:', '127.0.0.1', forbidden.port, loopback)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(await checkedAddress('http:', 'localhost', allowed.port, loopback)).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(forbidden.seen).toEqual([]);
  });

  it('does not follow a redirect to a forbidden address, and follows one to an allowed place', async () => {
    await expect(egressFetch(`${allowed.origin}/to-forbidden`, {}, rules)).rejects.toThrow(
      `redirect refused: port ${forbidden.port} is one of the platform's own ports (on 127.0.0.1)`,
    );
    const notPlatform = { ...rules, platformPorts: [] };
    await expect(egressFetch(`${allowed.origin}/to-forbidden`, {}, notPlatform)).rejects.toThrow("redirect refused: 127.0.0.1 is not in the binding's egress CIDRs");
    await expect(egressFetch(`${allowed.origin}/to-metadata`, {}, rules)).rejects.toThrow('redirect refused: 169.254.169.254 is cloud metadata (link-local)');
    expect(forbidden.seen).toEqual([]);

    const followed = await egressFetch(`${allowed.origin}/to-ok`, {}, rules);
    expect(followed.text()).toBe('hello');
    // Other methods are not redirected at all: the caller gets the 3xx.
    const posted = await egressFetch(`${allowed.origin}/to-forbidden`, { method: 'POST', body: 'x' }, rules);
    expect(posted.status).toBe(302);
    expect(forbidden.seen).toEqual([]);
  });

  it('reads a body up to the bound and cancels the rest', async () => {
    const answer = await egressFetch(`${allowed.origin}/big`, { maxBodyBytes: 64 * 1024 }, rules);
    expect(answer.truncated).toBe(true);
    expect(answer.body.byteLength).toBe(64 * 1024);
    expect(answer.text()).toBe('x'.repeat(64 * 1024));
    // The server was not made to send its 8 MiB: the connection closed under it.
    await expect.poll(() => allowed.cutShort, { timeout: 5_000 }).toBeGreaterThan(0);

    const whole = await egressFetch(`${allowed.origin}/ok`, { maxBodyBytes: 5 }, rules);
    expect({ text: whole.text(), truncated: whole.truncated }).toEqual({ text: 'hello', truncated: false });
  });

  it('sends credentials written in the URL as a header and never names them in a refusal', async () => {
    await egressFetch(`http://robot:pa%24%24@127.0.0.1:${allowed.port}/ok`, {}, rules);
    const seen = allowed.seen.at(-1);
    expect(seen?.headers.authorization).toBe(`Basic ${Buffer.from('robot:pa$$').toString('base64')}`);
    const refused = egressFetch('https://robot:pa55@hooks.internal.example/T?token=abc', {}, rules);
    await expect(refused).rejects.toThrow("hooks.internal.example is not in the binding's egress hosts");
  });
});

import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Color } from '../../../workflows/lib/colors.ts';
import { WeightedPicker, type Weights } from './weights.ts';

/** Headers that describe one connection, not the request: never forwarded (RFC 9110, 7.6.1). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);
/** Methods that may be sent twice (RFC 9110, 9.2.2): sent again when a reused connection turns out closed. */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Idle upstream connections are closed by the proxy before a typical app (5 s) closes them under it. */
const idleUpstreamMs = 4_000;

/** Whether a failed attempt may be sent again: nothing reached the app, or the method is safe to repeat. */
function mayRetry(request: IncomingMessage, body: boolean, error: NodeJS.ErrnoException): boolean {
  // A body already streamed into the failed attempt cannot be sent again.
  if (body) return false;
  if (error.code === 'ECONNREFUSED') return true;
  return idempotent.has(request.method ?? '') && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
}

/** Where a colour's process listens. */
export interface Upstream {
  host: string;
  port: number;
}

/** Routes in force: stable traffic by weight, preview traffic to one colour. */
export interface Routes {
  weights: Weights;
  preview: Color | null;
}

/** Headers the proxy sets itself: what the client or the app sent under these names is replaced. */
const setByProxy = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-cutover-color']);

/**
 * The request's headers for the app, as a flat raw list: building no header object on the way in or out is a
 * good part of what the proxy costs per request. Also says whether the request has a body.
 */
function forwardedHeaders(request: IncomingMessage, color: Color): { headers: string[]; body: boolean } {
  const raw = request.rawHeaders;
  const headers: string[] = [];
  let forwardedFor: string | undefined;
  let host: string | undefined;
  let body = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'host') host ??= value;
    else if (name === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
    else if (name === 'transfer-encoding' || (name === 'content-length' && value !== '0')) body = true;
    if (!hopByHop.has(name) && !setByProxy.has(name)) headers.push(raw[i]!, value);
  }
  const client = request.socket.remoteAddress ?? '';
  headers.push('x-forwarded-for', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`);
  headers.push('x-forwarded-proto', 'http', 'x-forwarded-host', host ?? '', 'x-cutover-color', color);
  return { headers, body };
}

/** The app's response headers for the client, as a flat raw list, marked with the colour that answered. */
function returnedHeaders(incoming: IncomingMessage, color: Color): string[] {
  const raw = incoming.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!hopByHop.has(name) && name !== 'x-cutover-color') headers.push(raw[i]!, raw[i + 1]!);
  }
  headers.push('x-cutover-color', color);
  return headers;
}

function answerError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { code, message } }));
}

/**
 * One service's proxy: a stable listener that spreads requests over the colours by weight and a preview
 * listener that sends everything to the standby. New routes apply to the next request; requests under way
 * finish where they started, and client connections stay open across a switch, so a switch drops nothing.
 */
export class ServiceProxy {
  private readonly picker = new WeightedPicker();
  private preview: Color | null = null;
  private readonly agents: Record<Color, Agent> = {
    blue: new Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo', timeout: idleUpstreamMs }),
    green: new Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo', timeout: idleUpstreamMs }),
  };
  private readonly inFlightCount: Record<Color, number> = { blue: 0, green: 0 };
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  /** `upstreamOf` says where a colour listens now (a colour deployed later is reached too). */
  constructor(private readonly upstreamOf: (color: Color) => Upstream) {}

  /** Opens the stable and preview listeners; fails (EADDRINUSE) when a port is taken. */
  async listen(host: string, port: number, previewPort: number): Promise<void> {
    const open = (role: 'stable' | 'preview', listenPort: number) =>
      new Promise<Server>((resolve, reject) => {
        const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => this.handle(role, request, response));
        server.on('connection', (socket) => {
          this.sockets.add(socket);
          socket.once('close', () => this.sockets.delete(socket));
        });
        server.once('error', reject);
        server.listen(listenPort, host, () => {
          server.off('error', reject);
          resolve(server);
        });
      });
    const stable = await open('stable', port);
    this.servers.push(stable);
    try {
      this.servers.push(await open('preview', previewPort));
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Applies new routes to the requests that come next. */
  route(routes: Routes): void {
    this.picker.set(routes.weights);
    this.preview = routes.preview;
  }

  get routes(): Routes {
    return { weights: this.picker.current, preview: this.preview };
  }

  /** Requests a colour is answering right now. */
  inFlight(color: Color): number {
    return this.inFlightCount[color];
  }

  /** Resolves once the colour has no request under way, or after `timeoutMs`. */
  async drained(color: Color, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlightCount[color] > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.agents[color].destroy();
  }

  /** Stops listening, lets the requests under way finish (up to `graceMs`), then closes what is left. */
  async close(graceMs = 10_000): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))).concat(this.drainAll(graceMs)));
    for (const socket of this.sockets) socket.destroy();
    for (const agent of Object.values(this.agents)) agent.destroy();
  }

  private async drainAll(graceMs: number): Promise<void> {
    for (const server of this.servers) server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.inFlightCount.blue + this.inFlightCount.green > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const socket of this.sockets) socket.destroy();
  }

  private handle(role: 'stable' | 'preview', request: IncomingMessage, response: ServerResponse): void {
    const color = role === 'stable' ? this.picker.pick() : (this.preview ?? undefined);
    if (!color) {
      answerError(response, 503, 'no_upstream', role === 'stable' ? 'no colour serves this service yet' : 'no colour is in preview');
      return;
    }
    this.forward(request, response, color, 0);
  }

  private forward(request: IncomingMessage, response: ServerResponse, color: Color, attempt: number): void {
    const upstream = this.upstreamOf(color);
    this.inFlightCount[color] += 1;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.inFlightCount[color] -= 1;
    };
    const { headers, body } = forwardedHeaders(request, color);
    const outgoing = httpRequest({
      // A second attempt takes a fresh connection, never another pooled one that may be as stale.
      agent: attempt === 0 ? this.agents[color] : false,
      host: upstream.host,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers,
    });
    outgoing.on('response', (incoming) => {
      response.writeHead(incoming.statusCode ?? 502, returnedHeaders(incoming, color));
      // pipe, not pipeline: on Node 20 each pipeline makes an AbortController and aborts it at the end, which
      // builds a DOMException with its stack, per request. The one failure pipe leaves open is the app's
      // connection dying mid-answer: the client's is cut too, so it does not wait for the rest.
      incoming.pipe(response);
      incoming.once('error', () => response.destroy());
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      // A refused connection, or a reused keep-alive connection the app had just closed: sent again once on a
      // fresh connection when that is safe (see mayRetry).
      if (!response.headersSent && attempt === 0 && mayRetry(request, body, error)) {
        this.forward(request, response, color, attempt + 1);
        return;
      }
      answerError(response, 502, 'bad_gateway', `${color} did not answer: ${error.code ?? error.message}`);
    });
    // 'close' comes once the answer is sent, or once the client went away: then the upstream request stops too.
    response.once('close', () => {
      if (!response.writableFinished) outgoing.destroy();
      finish();
    });
    // pipe, not pipeline: a failed upstream must not tear down the client's request, which still gets its 502.
    if (body) request.pipe(outgoing);
    else outgoing.end();
  }
}

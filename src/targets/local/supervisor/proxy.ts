import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import type { Color } from '../../../workflows/lib/colors.ts';
import { WeightedPicker, type Weights } from './weights.ts';

/** Headers that describe one connection, not the request: never forwarded (RFC 9110, 7.6.1). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);
/** Methods that may be sent twice (RFC 9110, 9.2.2): sent again when a reused connection turns out closed. */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Idle upstream connections are closed by the proxy before a typical app (5 s) closes them under it. */
const idleUpstreamMs = 4_000;

/** Whether a failed attempt may be sent again: nothing reached the app, or the method is safe to repeat. */
function mayRetry(request: IncomingMessage, error: NodeJS.ErrnoException): boolean {
  if (hasBody(request)) return false;
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

function forwardedHeaders(request: IncomingMessage, color: Color): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) if (!hopByHop.has(name)) headers[name] = value;
  const client = request.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = request.headers['x-forwarded-for'] ? `${String(request.headers['x-forwarded-for'])}, ${client}` : client;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = request.headers.host ?? '';
  headers['x-cutover-color'] = color;
  return headers;
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
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
    const outgoing = httpRequest({
      // A second attempt takes a fresh connection, never another pooled one that may be as stale.
      agent: attempt === 0 ? this.agents[color] : false,
      host: upstream.host,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: forwardedHeaders(request, color),
    });
    outgoing.on('response', (incoming) => {
      const headers: IncomingHttpHeaders = {};
      for (const [name, value] of Object.entries(incoming.headers)) if (!hopByHop.has(name)) headers[name] = value;
      headers['x-cutover-color'] = color;
      response.writeHead(incoming.statusCode ?? 502, headers);
      pipeline(incoming, response, () => finish());
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      // A refused connection, or a reused keep-alive connection the app had just closed: sent again once on a
      // fresh connection when that is safe (see mayRetry).
      if (!response.headersSent && attempt === 0 && mayRetry(request, error)) {
        this.forward(request, response, color, attempt + 1);
        return;
      }
      answerError(response, 502, 'bad_gateway', `${color} did not answer: ${error.code ?? error.message}`);
    });
    response.once('close', () => {
      // The client went away before the answer was complete: stop the upstream request too.
      if (!response.writableFinished) outgoing.destroy();
      finish();
    });
    // pipe, not pipeline: a failed upstream must not tear down the client's request, which still gets its 502.
    if (hasBody(request)) request.pipe(outgoing);
    else outgoing.end();
  }
}

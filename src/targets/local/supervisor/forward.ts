import { request, type Agent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Color } from '../../../workflows/lib/colors.ts';

/** Headers about one connection, not the message: never passed on (RFC 9110 §7.6.1). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);
/** Methods that may be sent twice, so a request lost on a stale connection is sent again (RFC 9110 §9.2.2). */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** A request body is kept (while it streams on) up to this size, so it can be sent again; larger: no retry. */
const replayLimitBytes = 64 * 1024;

/** Where one request goes. */
export interface Upstream {
  /** The colour that answers; named in x-cutover-color. */
  color: Color;
  /** The colour's port on 127.0.0.1. */
  port: number;
}

/** Writes the proxy's own error body, unless the response has begun (then the connection is cut). */
export function answerError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Streams one request to a colour and its response back, body for body, without buffering either. The upstream
 * connection comes from the keep-alive `agent`; when it turns out stale (reset before any response byte) an
 * idempotent request is sent once more on a fresh connection, and a refused connection is retried for any method.
 */
export function forward(req: IncomingMessage, res: ServerResponse, upstream: Upstream, agent: Agent): void {
  const headers = upstreamHeaders(req);
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  // Chunks sent so far, for a retry; null once the body outgrew the limit.
  let sent: Buffer[] | null = [];
  let sentBytes = 0;
  let bodyEnded = !hasBody;
  let responded = false;
  let retried = false;
  let clientGone = false;
  let current: ClientRequest;

  const send = (fresh: boolean): ClientRequest => {
    const outgoing = request({
      host: '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      // A retry must not get another pooled socket that may be just as stale.
      agent: fresh ? false : agent,
    });
    outgoing.on('response', onResponse);
    outgoing.on('error', (error) => onError(outgoing, error));
    if (sent) for (const chunk of sent) outgoing.write(chunk);
    if (bodyEnded) outgoing.end();
    return outgoing;
  };

  const onResponse = (response: IncomingMessage) => {
    responded = true;
    res.writeHead(response.statusCode ?? 502, response.statusMessage, clientHeaders(response.headers, upstream.color));
    response.pipe(res);
    // Cut short by the app: the client must see a broken response, not a short one that looks complete.
    response.once('close', () => {
      if (!response.complete) res.destroy();
    });
  };

  const onError = (outgoing: ClientRequest, error: NodeJS.ErrnoException) => {
    if (outgoing !== current || clientGone || res.writableEnded) return;
    if (responded) {
      res.destroy();
      return;
    }
    const refused = error.code === 'ECONNREFUSED';
    const stale = (error.code === 'ECONNRESET' || error.code === 'EPIPE') && idempotent.has(req.method ?? '');
    if (!retried && sent !== null && (refused || stale)) {
      retried = true;
      current = send(true);
      if (req.isPaused()) req.resume();
      return;
    }
    answerError(res, 502, 'bad_gateway', `${upstream.color} (port ${upstream.port}) did not answer: ${error.code ?? error.message}`);
  };

  current = send(false);
  if (hasBody) {
    req.on('data', (chunk: Buffer) => {
      if (sent !== null) {
        sentBytes += chunk.length;
        if (sentBytes > replayLimitBytes) sent = null;
        else sent.push(chunk);
      }
      if (!current.write(chunk)) {
        req.pause();
        current.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      bodyEnded = true;
      current.end();
    });
  }
  // The client went away before its answer was complete: free the upstream connection too.
  res.once('close', () => {
    if (res.writableFinished) return;
    clientGone = true;
    current.destroy();
  });
}

/** Comma-separated names in a Connection header: more hop-by-hop headers for this one message. */
function connectionTokens(value: string | undefined): string[] {
  return value ? value.split(',').map((token) => token.trim().toLowerCase()) : [];
}

function copyEndToEnd(source: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(source.connection);
  const headers: OutgoingHttpHeaders = {};
  for (const name in source) {
    if (!hopByHop.has(name) && !listed.includes(name)) headers[name] = source[name];
  }
  return headers;
}

function upstreamHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const headers = copyEndToEnd(req.headers);
  // The proxy has answered "100 Continue" itself; the body follows at once.
  delete headers.expect;
  const client = req.socket.remoteAddress ?? 'unknown';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  headers['x-forwarded-proto'] = 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  return headers;
}

function clientHeaders(source: IncomingHttpHeaders, color: Color): OutgoingHttpHeaders {
  const headers = copyEndToEnd(source);
  // The response is framed again for the client's connection (chunked, or closed for HTTP/1.0).
  delete headers['transfer-encoding'];
  headers['x-cutover-color'] = color;
  return headers;
}

import { lookup } from 'node:dns/promises';
import { Agent, buildConnector, fetch, type Headers } from 'undici';
import { checkUrl, destinationVerdict, EgressRefusedError, resolvedAddressProblem, ruleHost, type EgressRules } from './egress-rules.ts';
import { parseIp } from './ip.ts';

// The only way the worker sends a request for a workspace. The URL is checked before anything is sent, and
// the check that counts is made where the socket is opened: the name is resolved here, every address it
// resolves to is checked, and the socket is opened to a checked address (so DNS cannot point an allowed name
// at the metadata service or a platform port between the check and the connection). Redirects are followed
// by hand, each hop checked like the first. The answer is read up to a bound and the rest cancelled.

/** How much of an answer is read unless the caller says otherwise. */
export const defaultMaxBodyBytes = 64 * 1024;

export interface EgressRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Bytes of the answer kept; the rest is cancelled unread (default 64 KiB). */
  maxBodyBytes?: number;
  /** Redirects followed for GET and HEAD, each hop checked (default 5); other methods get the 3xx answer itself. */
  maxRedirects?: number;
}

/** An answer, its body already read (at most maxBodyBytes of it). */
export interface EgressAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The body's first maxBodyBytes bytes. */
  body: Uint8Array;
  /** Whether the body went on past the bound (and was cut). */
  truncated: boolean;
  /** The body read as UTF-8. */
  text(): string;
}

/**
 * Sends a request under the egress rules and reads the answer up to the bound. Throws EgressRefusedError
 * (before anything is sent to the refused place) when the URL, a redirect or a resolved address is not
 * allowed; network errors are thrown as fetch throws them.
 */
export async function egressFetch(url: string | URL, request: EgressRequest, rules: EgressRules): Promise<EgressAnswer> {
  const method = (request.method ?? 'GET').toUpperCase();
  const follows = method === 'GET' || method === 'HEAD' ? (request.maxRedirects ?? 5) : 0;
  const agent = new Agent({ connect: guardedConnector(rules) });
  try {
    let current = new URL(url);
    let headers = { ...request.headers };
    for (let hop = 0; ; hop += 1) {
      const verdict = checkUrl(current, rules);
      if (!verdict.allowed) throw new EgressRefusedError(hop === 0 ? verdict.problem : `redirect refused: ${verdict.problem}`);
      const target = withCredentialsAsHeader(current, headers);
      const response = await fetch(target.url, {
        method,
        headers: target.headers,
        body: request.body,
        signal: request.signal,
        redirect: 'manual',
        dispatcher: agent,
      }).catch((error: unknown) => {
        // The connector's refusal comes back as fetch's "fetch failed" with it as the cause.
        throw (error instanceof Error && error.cause instanceof EgressRefusedError ? error.cause : error) as Error;
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null && hop < follows) {
        await response.body?.cancel();
        const next = new URL(location, current);
        // As fetch does: credentials do not travel to another origin.
        if (next.origin !== current.origin) headers = withoutCredentialHeaders(headers);
        current = next;
        continue;
      }
      const { body, truncated } = await readBody(response, request.maxBodyBytes ?? defaultMaxBodyBytes);
      return { status: response.status, ok: response.ok, headers: response.headers, body, truncated, text: () => new TextDecoder().decode(body) };
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** Reads at most maxBytes of a body and cancels the rest; `truncated` says whether there was more. */
export async function readBody(
  response: { body: ReadableStream<Uint8Array> | null },
  maxBytes = defaultMaxBodyBytes,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (!response.body) return { body: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    else reader.releaseLock();
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { body, truncated };
}

/**
 * The address a socket may be opened to for a destination: the destination is checked as a URL names it,
 * then a name is resolved and every address checked (one forbidden address refuses the name: a name that
 * also points at the metadata service or loopback is not one to trust). IPv4 addresses are tried first.
 */
export async function checkedAddress(protocol: string, host: string, port: number, rules: EgressRules): Promise<string> {
  const verdict = destinationVerdict(protocol, host, port, rules);
  if ('problem' in verdict) throw new EgressRefusedError(verdict.problem);
  if (parseIp(host)) return host;
  const addresses = await lookup(host, { all: true });
  if (addresses.length === 0) throw new EgressRefusedError(`${host} resolved to no address`);
  for (const { address } of addresses) {
    const problem = resolvedAddressProblem(host, address, port, rules);
    if (problem) throw new EgressRefusedError(problem);
  }
  const ordered = [...addresses].sort((a, b) => a.family - b.family);
  return ordered[0]?.address ?? host;
}

/** undici's connector, opening the socket to a checked address only (TLS still verifies the name: `host` is kept). */
function guardedConnector(rules: EgressRules): buildConnector.connector {
  const connect = buildConnector({});
  return (options, callback) => {
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    checkedAddress(options.protocol, ruleHost(options.hostname), port, rules).then(
      (address) => connect({ ...options, hostname: address }, callback),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

/** Credentials written in the URL become a Basic authorization header (fetch refuses them in URLs). */
function withCredentialsAsHeader(url: URL, headers: Record<string, string>): { url: URL; headers: Record<string, string> } {
  if (url.username === '' && url.password === '') return { url, headers };
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  if (hasAuthorization) return { url: bare, headers };
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  return { url: bare, headers: { ...headers, authorization: `Basic ${basic}` } };
}

function withoutCredentialHeaders(headers: Record<string, string>): Record<string, string> {
  const dropped = new Set(['authorization', 'cookie', 'proxy-authorization']);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name.toLowerCase())));
}

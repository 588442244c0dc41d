import type { Provider, Reading } from '../measure.ts';

/** A JSON answer, or why there is none (unreachable, timed out, an HTTP error, not JSON). */
export type JsonAnswer = { ok: true; body: unknown } | { ok: false; message: string };

/**
 * One HTTP request answered with JSON. Prometheus' errors come as JSON bodies with an error status, so
 * those bodies are returned too (`errorBody`) for the caller to read the reason from.
 */
export async function fetchJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; signal: AbortSignal },
): Promise<JsonAnswer & { errorBody?: unknown }> {
  const method = init.method ?? 'GET';
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = AbortSignal.any([init.signal, timeout]);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method, headers: init.headers, body: init.body, signal });
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) return { ok: false, message: `${method} ${url} timed out after ${init.timeoutMs} ms` };
    if (init.signal.aborted) return { ok: false, message: `${method} ${url} was cancelled` };
    return { ok: false, message: `${method} ${url} failed: ${describeFailure(error)}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (!response.ok) return { ok: false, message: `${method} ${url} answered HTTP ${response.status}` };
    return { ok: false, message: `${method} ${url} did not answer JSON` };
  }
  if (!response.ok) return { ok: false, message: `${method} ${url} answered HTTP ${response.status}`, errorBody: body };
  return { ok: true, body };
}

/** The value at a dotted path (`data.errorRate`, `items.0.ok`, `items[0].ok`, an optional leading `$.`). */
export function valueAt(body: unknown, path: string): unknown {
  const segments = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
  let current = body;
  for (const segment of segments) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else return undefined;
  }
  return current;
}

/** An HTTP endpoint answering JSON: the value at `jsonPath` (the whole answer without one). */
export const webProvider: Provider<'web'> = {
  type: 'web',
  async read(provider, context): Promise<Reading> {
    const answer = await fetchJson(provider.url, { headers: provider.headers, timeoutMs: provider.timeoutMs, signal: context.signal });
    if (!answer.ok) return { kind: 'error', message: answer.message };
    const value = provider.jsonPath ? valueAt(answer.body, provider.jsonPath) : answer.body;
    if (value === undefined || value === null) {
      const what = provider.jsonPath ? `${provider.jsonPath} is missing or null` : 'the answer is null';
      return { kind: 'no-data', message: `no data: ${what} in the answer of GET ${provider.url}` };
    }
    return { kind: 'value', value };
  },
};

/** One line about a failed request; fetch hides the network error (refused, DNS) in its cause. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

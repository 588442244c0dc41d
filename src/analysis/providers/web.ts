import { EgressRefusedError, egressFetch, safeUrl, type EgressRules } from '../../security/egress.ts';
import type { Provider, Reading } from '../measure.ts';

/** A JSON answer, or why there is none (refused, unreachable, timed out, an HTTP error, not JSON). */
export type JsonAnswer = { ok: true; body: unknown } | { ok: false; message: string };

/** How much of an answer a metric reads: enough for a metrics document, bounded whatever the endpoint sends. */
export const maxAnswerBytes = 1024 * 1024;

/** Text from an answer, as a message echoes it: at most 300 characters. */
export function cutText(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One HTTP request answered with JSON, under the egress rules. Prometheus' errors come as JSON bodies with
 * an error status, so those bodies are returned too (`errorBody`) for the caller to read the reason from.
 * Messages name the URL without its credentials or query string.
 */
export async function fetchJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; signal: AbortSignal; egress: EgressRules },
): Promise<JsonAnswer & { errorBody?: unknown }> {
  const method = init.method ?? 'GET';
  const shown = `${method} ${safeUrl(url)}`;
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = AbortSignal.any([init.signal, timeout]);
  let answer: Awaited<ReturnType<typeof egressFetch>>;
  try {
    answer = await egressFetch(url, { method, headers: init.headers, body: init.body, signal, maxBodyBytes: maxAnswerBytes }, init.egress);
  } catch (error) {
    if (error instanceof EgressRefusedError) return { ok: false, message: `${shown} refused: ${error.message}` };
    if (timeout.aborted) return { ok: false, message: `${shown} timed out after ${init.timeoutMs} ms` };
    if (init.signal.aborted) return { ok: false, message: `${shown} was cancelled` };
    return { ok: false, message: `${shown} failed: ${describeFailure(error)}` };
  }
  if (answer.truncated) return { ok: false, message: `${shown} answered more than ${maxAnswerBytes / 1024} KiB` };
  let body: unknown;
  try {
    body = JSON.parse(answer.text());
  } catch {
    if (!answer.ok) return { ok: false, message: `${shown} answered HTTP ${answer.status}` };
    return { ok: false, message: `${shown} did not answer JSON` };
  }
  if (!answer.ok) return { ok: false, message: `${shown} answered HTTP ${answer.status}`, errorBody: body };
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
    const answer = await fetchJson(provider.url, { headers: provider.headers, timeoutMs: provider.timeoutMs, signal: context.signal, egress: context.egress });
    if (!answer.ok) return { kind: 'error', message: answer.message };
    const value = provider.jsonPath ? valueAt(answer.body, provider.jsonPath) : answer.body;
    if (value === undefined || value === null) {
      const what = provider.jsonPath ? `${provider.jsonPath} is missing or null` : 'the answer is null';
      return { kind: 'no-data', message: `no data: ${what} in the answer of GET ${safeUrl(provider.url)}` };
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

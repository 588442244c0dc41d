import type { Provider, Reading } from '../measure.ts';
import { cutText, fetchJson } from './web.ts';

/** The parts of Prometheus' query answer read here (https://prometheus.io/docs/prometheus/latest/querying/api/). */
interface QueryAnswer {
  /** 'success' or 'error'. */
  status?: string;
  /** Why, when status is 'error' (e.g. a PromQL parse error). */
  error?: string;
  data?: {
    /** 'vector' or 'scalar' for instant queries; 'matrix' when the query selects a range. */
    resultType?: string;
    /** vector: one entry per series, each `value: [time, "sample"]`; scalar: `[time, "sample"]`. */
    result?: unknown;
  };
}

/**
 * A PromQL instant query: the first series' sample. An empty vector or NaN is no data (a quiet canary,
 * or a ratio over zero requests), which must neither pass nor fail it. The query goes in a form body, so
 * long queries do not meet URL length limits.
 */
export const prometheusProvider: Provider<'prometheus'> = {
  type: 'prometheus',
  async read(provider, context): Promise<Reading> {
    let url: URL;
    try {
      url = prometheusQueryUrl(provider.url);
    } catch {
      return { kind: 'error', message: 'prometheus: the URL is not valid' };
    }
    const answer = await fetchJson(url.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: provider.query }).toString(),
      timeoutMs: provider.timeoutMs,
      signal: context.signal,
      egress: context.egress,
    });
    if (!answer.ok) {
      const reason = (answer.errorBody as QueryAnswer | undefined)?.error;
      return { kind: 'error', message: typeof reason === 'string' ? `${answer.message}: ${cutText(reason)}` : answer.message };
    }
    const body = answer.body as QueryAnswer;
    if (body.status !== 'success') return { kind: 'error', message: `prometheus: ${cutText(String(body.error ?? 'the query did not succeed'))}` };
    return readSample(body.data?.resultType, body.data?.result);
  },
};

/**
 * The instant-query endpoint under Prometheus' base URL, keeping the base's path (a Prometheus served under
 * `https://host/prometheus/` answers at `https://host/prometheus/api/v1/query`) and its query string.
 */
export function prometheusQueryUrl(base: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  return url;
}

/** The sample of an instant vector's first series or of a scalar. */
function readSample(resultType: string | undefined, result: unknown): Reading {
  let sample: unknown;
  if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length === 0) return { kind: 'no-data', message: 'no data: the query returned an empty vector' };
    sample = (result[0] as { value?: unknown[] } | undefined)?.value?.[1];
  } else if (resultType === 'scalar' && Array.isArray(result)) {
    sample = result[1];
  } else {
    return { kind: 'error', message: `prometheus: expected an instant vector or a scalar, got ${resultType ?? 'nothing'}` };
  }
  const value = sampleValue(sample);
  if (value === undefined) return { kind: 'error', message: `prometheus: the sample ${JSON.stringify(sample)} is not a number` };
  if (Number.isNaN(value)) return { kind: 'no-data', message: 'no data: the query returned NaN' };
  return { kind: 'value', value };
}

/** Prometheus writes samples as strings, infinities as "+Inf" / "-Inf" (which Number() does not read). */
function sampleValue(sample: unknown): number | undefined {
  if (sample === '+Inf' || sample === 'Inf') return Number.POSITIVE_INFINITY;
  if (sample === '-Inf') return Number.NEGATIVE_INFINITY;
  if (sample === 'NaN') return Number.NaN;
  if (typeof sample !== 'string' || sample.trim() === '') return undefined;
  const value = Number(sample);
  return Number.isNaN(value) ? undefined : value;
}

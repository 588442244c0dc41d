import type { EgressRules } from '../security/egress.ts';
import type { Scope } from '../bindings/scope.ts';
import type { KubeClients } from '../targets/kubernetes/client.ts';
import { argsReadBy, ConditionError, judge } from './conditions.ts';
import { jobProvider } from './providers/job.ts';
import { prometheusProvider } from './providers/prometheus.ts';
import { webProvider } from './providers/web.ts';
import type { Measurement, Metric, MetricProvider } from './types.ts';

/** What a provider read: a value, nothing at all (no data), or why it could not read. */
export type Reading =
  | {
      kind: 'value';
      /** The value the conditions see as `result`. */
      value: unknown;
      /** The outcome when the metric has no conditions; successful unless the provider says otherwise. */
      withoutConditions?: 'successful' | 'failed';
      /** Context worth keeping with the measurement (a Job's last error line). */
      note?: string;
    }
  | { kind: 'no-data'; message: string }
  | { kind: 'error'; message: string };

/** What a provider gets besides its definition. */
export interface MeasureContext {
  /** The metric's name (a Job is named after it). */
  metricName: string;
  /** Aborts when the measurement is cancelled; providers stop their work then. */
  signal: AbortSignal;
  /** Tells Temporal the measurement is alive (providers call it while waiting on something slow). */
  heartbeat(): void;
  /** Where web and Prometheus providers may send requests: the egress rules of the analysis' binding. */
  egress: EgressRules;
  /** Kubernetes API clients, made on first use. */
  kube: () => KubeClients;
  /** Unique per measurement and the same for its retries (names the Job); lowercase hex. */
  measurementId: string;
  /** Temporal's attempt number, from 1 (a retry gets a Job of its own). */
  attempt: number;
  /** How often a Job's status is read; 1 s unless a test wants it faster. */
  jobPollMs?: number;
  /** The workspace environment measuring: a Job carries it as labels. */
  owner?: Scope;
}

/** Reads one kind of metric; one provider per `type`, kept in a registry. */
export interface Provider<T extends MetricProvider['type']> {
  /** The provider type it reads. */
  readonly type: T;
  /** Takes one reading; never throws for the provider's own failures (those are `error` readings). */
  read(provider: Extract<MetricProvider, { type: T }>, context: MeasureContext): Promise<Reading>;
}

const providers: { [T in MetricProvider['type']]: Provider<T> } = {
  web: webProvider,
  prometheus: prometheusProvider,
  job: jobProvider,
};

/** Takes one measurement of a metric whose arguments are filled in, and judges it against its conditions. */
export async function measure(metric: Metric, args: Readonly<Record<string, string>>, context: MeasureContext): Promise<Measurement> {
  const provider = providers[metric.provider.type] as Provider<MetricProvider['type']>;
  const reading = await provider.read(metric.provider, context);
  const at = new Date().toISOString();
  if (reading.kind === 'no-data') return { phase: 'inconclusive', value: null, message: reading.message, at };
  if (reading.kind === 'error') return { phase: 'error', value: null, message: reading.message, at };
  const value = recordedValue(reading.value);
  try {
    const phase = judge(metric, reading.value, args, reading.withoutConditions);
    return { phase, value, ...(reading.note ? { message: reading.note } : {}), at };
  } catch (error) {
    if (!(error instanceof ConditionError)) throw error;
    return { phase: 'error', value, message: error.message, at };
  }
}

/** An argument a metric names that the analysis does not give. */
export class UnknownArgError extends Error {}

const placeholder = /\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The metric with {{args.<name>}} filled in across its provider's strings (URL, query, headers, image,
 * command, env). Throws UnknownArgError naming every argument the metric or its conditions need but lack.
 */
export function fillArgs(metric: Metric, args: Readonly<Record<string, string>>): Metric {
  const missing = new Set<string>();
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(placeholder, (match, name: string) => {
        if (Object.hasOwn(args, name)) return args[name] ?? '';
        missing.add(name);
        return match;
      });
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]));
    }
    return value;
  };
  const provider = fill(metric.provider) as MetricProvider;
  for (const condition of [metric.successCondition, metric.failureCondition]) {
    for (const name of argsReadBy(condition ?? '')) if (!Object.hasOwn(args, name)) missing.add(name);
  }
  if (missing.size > 0) {
    throw new UnknownArgError(`metric ${metric.name} uses ${[...missing].map((name) => `args.${name}`).join(', ')}, which the analysis does not give`);
  }
  return { ...metric, provider };
}

const maxRecordedText = 1_000;

/** The value as a measurement keeps it: scalars as they are, JSON objects and lists as (cut) JSON text. */
function recordedValue(value: unknown): Measurement['value'] {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > maxRecordedText ? `${text.slice(0, maxRecordedText - 1)}…` : text;
}

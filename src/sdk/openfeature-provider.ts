import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { createParser } from 'eventsource-parser';
import { evaluateFlag, type EvaluationContext as EvaluationContextOf, type FlagDefinition, type Segment } from '../flags/evaluate.ts';

/**
 * An OpenFeature server provider that evaluates Cutover's flags in process: it holds an environment's whole
 * configuration, streamed from `GET /api/v1/flags/{environment}/stream` (sent again on every change, so changes
 * take effect without a restart), and evaluates with the same code as the API (src/flags/evaluate.ts), so there is
 * no network call per evaluation. Impressions (who was served which variant) and `client.track()` conversions are
 * batched to `POST /api/v1/features/events` for A/B results.
 *
 *   await OpenFeature.setProviderAndWait(new CutoverProvider({ apiUrl, token, environment: 'production' }));
 *   const enabled = await OpenFeature.getClient().getBooleanValue('new-checkout', false, { targetingKey: userId });
 */

export interface CutoverProviderOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000. */
  apiUrl: string;
  /** A token of the workspace (a viewer's is enough). */
  token: string;
  environment: string;
  /** How long initialize() waits for the first configuration before it fails; 10 s. */
  readyTimeoutMs?: number;
  /** How often queued events are sent; 1 s. */
  flushIntervalMs?: number;
  /** At most this many events per request; 500. */
  maxBatch?: number;
  /** Events held while the API cannot be reached; the oldest go beyond it. 10,000. */
  maxQueued?: number;
  /** Record an impression per subject, flag and variant (once per flush window); on unless false. */
  impressions?: boolean;
}

interface StreamedConfiguration {
  etag: string;
  flags: FlagDefinition[];
  segments: Segment[];
}

interface QueuedEvent {
  id: string;
  kind: 'impression' | 'conversion';
  feature_key?: string;
  variant?: string;
  reason?: string;
  metric?: string;
  subject: string;
  timestamp: string;
}

type ValueType = 'boolean' | 'string' | 'number' | 'object';
const flagTypeFor: Record<ValueType, FlagDefinition['type']> = { boolean: 'boolean', string: 'string', number: 'number', object: 'json' };

export class CutoverProvider implements Provider {
  readonly metadata = { name: 'cutover' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  private flags = new Map<string, FlagDefinition>();
  private segments = new Map<string, Segment>();
  private etag = '';
  private readonly queue: QueuedEvent[] = [];
  /** Impressions recorded this flush window: flag → variant → subjects. */
  private seen = new Map<string, Map<string, Set<string>>>();
  private readonly abort = new AbortController();
  private flushTimer: NodeJS.Timeout | undefined;
  private streaming: Promise<void> | undefined;
  private dropped = 0;
  private readonly options: Required<CutoverProviderOptions>;

  constructor(options: CutoverProviderOptions) {
    this.options = { readyTimeoutMs: 10_000, flushIntervalMs: 1_000, maxBatch: 500, maxQueued: 10_000, impressions: true, ...options, apiUrl: options.apiUrl.replace(/\/$/, '') };
  }

  /** The etag of the configuration held (the SSE id of the last `flags` event), '' before the first. */
  get configurationEtag(): string {
    return this.etag;
  }

  /** Events lost because the queue was full while the API could not be reached. */
  get droppedEvents(): number {
    return this.dropped;
  }

  async initialize(): Promise<void> {
    let ready!: () => void;
    const first = new Promise<void>((resolve) => (ready = resolve));
    this.streaming = this.stream(ready);
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.flushTimer.unref();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no flag configuration from ${this.options.apiUrl} within ${this.options.readyTimeoutMs} ms`)), this.options.readyTimeoutMs);
    });
    try {
      await Promise.race([first, timeout]);
    } catch (error) {
      // The SDK marks the provider in error and will not use it: stop trying in the background.
      clearInterval(this.flushTimer);
      this.abort.abort();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async onClose(): Promise<void> {
    clearInterval(this.flushTimer);
    this.abort.abort();
    await this.streaming?.catch(() => {});
    await this.flush();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'boolean'));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'string'));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'number'));
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'object'));
  }

  /** `client.track('checkout_completed', { targetingKey })`: a conversion for the A/B results. */
  track(trackingEventName: string, context: EvaluationContext, _details?: TrackingEventDetails): void {
    const subject = context.targetingKey ?? (typeof context.user_id === 'string' ? context.user_id : undefined);
    if (!subject) return;
    this.enqueue({ id: randomUUID(), kind: 'conversion', metric: trackingEventName, subject, timestamp: new Date().toISOString() });
  }

  /** Evaluates in process; the same answer as POST /features/{id}/evaluate gives for the same configuration. */
  resolve<T>(flagKey: string, defaultValue: T, given: EvaluationContext, type: ValueType): ResolutionDetails<T> {
    const flag = this.flags.get(flagKey);
    if (!flag) return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: `no flag ${flagKey} in ${this.options.environment}` };
    if (flag.type !== flagTypeFor[type]) return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH, errorMessage: `${flagKey} is a ${flag.type} flag` };
    // Evaluation reads only string, number and boolean attributes, and takes targetingKey for the stickiness
    // attribute: the context goes in as it is, with no copy per call.
    const result = evaluateFlag(flag, given as EvaluationContextOf, this.segments);
    if (result.reason === 'ERROR') return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.GENERAL, errorMessage: result.error };
    const subject = given[flag.stickiness ?? 'user_id'] ?? given.targetingKey;
    if (this.options.impressions && (typeof subject === 'string' || typeof subject === 'number')) this.impression(flag.key, result.variant, result.reason, String(subject));
    return {
      value: result.value as T,
      variant: result.variant,
      reason: result.reason,
      flagMetadata: result.rule_id ? { flag_version: result.flag_version, rule_id: result.rule_id } : { flag_version: result.flag_version },
    };
  }

  /** Sends what is queued now (the timer does it every flushIntervalMs); events that fail stay queued. */
  async flush(): Promise<void> {
    this.seen = new Map();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      try {
        const response = await fetch(`${this.options.apiUrl}/api/v1/features/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ environment: this.options.environment, events: batch }),
        });
        await response.body?.cancel();
        // A refused batch (4xx) would be refused again: it is dropped, not retried forever.
        if (response.status >= 500 || response.status === 429) throw new Error(`events answered ${response.status}`);
        if (!response.ok) this.dropped += batch.length;
      } catch {
        this.queue.unshift(...batch);
        this.trim();
        return;
      }
    }
  }

  private impression(featureKey: string, variant: string, reason: string, subject: string): void {
    let variants = this.seen.get(featureKey);
    if (!variants) this.seen.set(featureKey, (variants = new Map<string, Set<string>>()));
    let subjects = variants.get(variant);
    if (!subjects) variants.set(variant, (subjects = new Set<string>()));
    if (subjects.has(subject)) return;
    subjects.add(subject);
    this.enqueue({ id: randomUUID(), kind: 'impression', feature_key: featureKey, variant, reason, subject, timestamp: new Date().toISOString() });
  }

  private enqueue(event: QueuedEvent): void {
    // What the API would refuse (and with it the whole batch) is dropped here, counted.
    if (event.subject.length > 200 || (event.metric !== undefined && (event.metric.length === 0 || event.metric.length > 100))) {
      this.dropped += 1;
      return;
    }
    this.queue.push(event);
    this.trim();
  }

  private trim(): void {
    const over = this.queue.length - this.options.maxQueued;
    if (over > 0) {
      this.queue.splice(0, over);
      this.dropped += over;
    }
  }

  /** Holds the stream open, reconnecting with backoff, until onClose(). */
  private async stream(ready: () => void): Promise<void> {
    let backoffMs = 250;
    let stale = false;
    while (!this.abort.signal.aborted) {
      let delivered = false;
      try {
        const response = await fetch(`${this.options.apiUrl}/api/v1/flags/${encodeURIComponent(this.options.environment)}/stream`, {
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'text/event-stream', ...(this.etag ? { 'last-event-id': this.etag } : {}) },
          signal: this.abort.signal,
        });
        if (!response.ok || !response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
          await response.body?.cancel();
          throw new Error(`flag stream answered ${response.status} ${response.headers.get('content-type') ?? ''}`.trim());
        }
        if (stale) {
          stale = false;
          this.events.emit(ProviderEvents.Ready, { message: 'flag stream connected again' });
        }
        const parser = createParser({
          onEvent: (event) => {
            if (event.event !== 'flags') return;
            this.apply(JSON.parse(event.data) as StreamedConfiguration);
            delivered = true;
            backoffMs = 250;
            ready();
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        // The server ends a stream after its max_ms (a reconnect event): connect again at once. A stream that
        // ended having sent nothing new waits like a failure, so a misbehaving server is not asked in a loop.
        if (delivered || backoffMs === 250) {
          backoffMs = delivered ? 250 : 500;
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5_000);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        if (!stale) {
          stale = true;
          this.events.emit(ProviderEvents.Stale, { message: `flag stream: ${(error as Error).message}; evaluating the configuration held` });
        }
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }

  private apply(configuration: StreamedConfiguration): void {
    const next = new Map(configuration.flags.map((flag) => [flag.key, flag]));
    const changed = [...next.values()].filter((flag) => this.flags.get(flag.key)?.version !== flag.version).map((flag) => flag.key);
    for (const key of this.flags.keys()) if (!next.has(key)) changed.push(key);
    const segmentsChanged = JSON.stringify([...this.segments.values()]) !== JSON.stringify(configuration.segments);
    this.flags = next;
    this.segments = new Map(configuration.segments.map((segment) => [segment.key, segment]));
    this.etag = configuration.etag;
    // A segment change can change any flag that names it: then every flag is said to have changed.
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: segmentsChanged ? [...next.keys()] : changed });
  }
}

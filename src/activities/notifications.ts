import { circuitBreaker, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import type { Scope } from '../bindings/scope.ts';
import type { Logger } from '../logger.ts';

/** What a release tells a webhook: a Slack-compatible body (`text`) plus the facts for other receivers. */
export interface ReleaseNotification extends Scope {
  url: string;
  event: 'started' | 'awaiting_approval' | 'paused' | 'switched' | 'rolled_back' | 'failed' | 'succeeded' | 'aborted';
  service: string;
  environment: string;
  version: string;
  deploymentId: string;
  reason?: string;
}

const webhookTimeoutMs = 3_000;

/**
 * Webhook activities. One circuit breaker per webhook URL: after 3 failures in a row it opens for 30 s and
 * notifications to that URL are dropped at once, so a dead webhook never slows a release.
 */
export function createNotificationActivities(deps: { logger: Logger }) {
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const breakerFor = (url: string) => {
    let breaker = breakers.get(url);
    if (!breaker) {
      breaker = circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(3) });
      breakers.set(url, breaker);
    }
    return breaker;
  };

  return {
    /** Sends one notification; never fails the release: returns whether it was delivered. */
    async notifyWebhook(input: ReleaseNotification): Promise<{ delivered: boolean; reason?: string }> {
      const text =
        `*${input.service}* ${input.version} in ${input.environment}: ${input.event.replace('_', ' ')}` +
        (input.reason ? ` — ${input.reason}` : '');
      try {
        await breakerFor(input.url).execute(async () => {
          const response = await fetch(input.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text, ...input, url: undefined }),
            signal: AbortSignal.timeout(webhookTimeoutMs),
          });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`webhook answered ${response.status}`);
        });
        return { delivered: true };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        deps.logger.warn({ url: input.url, event: input.event, reason }, 'webhook notification not delivered');
        return { delivered: false, reason };
      }
    },
  };
}

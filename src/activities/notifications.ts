import { circuitBreaker, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import type { Scope } from '../bindings/scope.ts';
import type { Logger } from '../logger.ts';
import { EgressRefusedError, egressFetch, urlProblem } from '../security/egress.ts';
import { egressRulesOf, type EgressDeps } from './lib/egress-binding.ts';

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
 * notifications to that URL are dropped at once, so a dead webhook never slows a release. The URL is a
 * secret (a Slack webhook's path is its credential): it is never logged. Requests go under the egress policy
 * of the workspace environment's binding; a refused URL is not delivered.
 */
export function createNotificationActivities(deps: EgressDeps & { logger: Logger }) {
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
      const rules = await egressRulesOf(deps, input);
      const notDelivered = (reason: string) => {
        deps.logger.warn({ service: input.service, environment: input.environment, event: input.event, reason }, 'webhook notification not delivered');
        return { delivered: false, reason };
      };
      // A URL the rules refuse is a definition to fix, not a failing webhook: it does not count against the breaker.
      const problem = urlProblem(input.url, rules);
      if (problem) return notDelivered(`refused: ${problem}`);
      try {
        await breakerFor(input.url).execute(async () => {
          const answer = await egressFetch(
            input.url,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ text, ...input, url: undefined }),
              signal: AbortSignal.timeout(webhookTimeoutMs),
              maxBodyBytes: 0,
            },
            rules,
          );
          if (!answer.ok) throw new Error(`webhook answered ${answer.status}`);
        });
        return { delivered: true };
      } catch (error) {
        // Refused where the socket is opened (the name resolved to a forbidden address): say which rule.
        if (error instanceof EgressRefusedError) return notDelivered(`refused: ${error.message}`);
        return notDelivered(error instanceof Error ? error.message : String(error));
      }
    },
  };
}

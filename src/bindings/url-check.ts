import { egressRulesFor, urlProblem } from '../security/egress.ts';
import type { UrlCheck } from './check.ts';
import type { ResolvedBinding } from './policy.ts';

/**
 * The API's check of a URL a definition names (webhooks, Prometheus, endpoints, analysis providers): the
 * binding's egress rules on the URL as written. Where it is fetched, the worker checks the connected address too.
 */
export function urlCheckFor(binding: ResolvedBinding, platformPorts: number[]): UrlCheck {
  const rules = egressRulesFor(binding, platformPorts, []);
  return (url) => urlProblem(url, rules);
}

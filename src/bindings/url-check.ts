import { egressRulesFor, urlProblem } from '../security/egress.ts';
import type { UrlCheck } from './check.ts';
import type { ResolvedBinding } from './policy.ts';

/**
 * The API's check of a URL a definition names (webhooks, Prometheus, endpoints, analysis providers): the
 * binding's egress rules on the URL as written, with the definition's own endpoints passing where the binding
 * grants them (a port of its local range, a Service of a bound namespace) — as the activities judge them.
 * Where it is fetched, the worker checks the connected address too.
 */
export function urlCheckFor(binding: ResolvedBinding, platformPorts: number[], own: Array<string | undefined> = []): UrlCheck {
  const rules = egressRulesFor(binding, platformPorts, own.filter((url) => url !== undefined));
  return (url) => urlProblem(url, rules);
}

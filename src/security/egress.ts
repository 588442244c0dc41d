import { networkInterfaces } from 'node:os';
import type { ResolvedBinding } from '../bindings/policy.ts';
import { hostMatches, ruleHost, type EgressRules } from './egress-rules.ts';
import { inCidr, parseCidr, parseIp } from './ip.ts';

// The egress policy of the worker: the pure rules (egress-rules.ts), the fetch that enforces them on the
// connected address (egress-fetch.ts), and the rules of a binding (here). Import from this module.

export {
  checkUrl,
  EgressRefusedError,
  hostMatches,
  resolvedAddressProblem,
  safeUrl,
  urlProblem,
  type AllowedBy,
  type EgressRules,
  type UrlVerdict,
} from './egress-rules.ts';
export { checkedAddress, defaultMaxBodyBytes, egressFetch, readBody, type EgressAnswer, type EgressRequest } from './egress-fetch.ts';

const loopback = ['127.0.0.0/8', '::1/128'].map((text) => parseCidr(text)).filter((cidr) => cidr !== undefined);

/** Host names of a bound namespace's Services: `web.shop.svc.cluster.local` and every name below it. */
const clusterHostsOf = (namespace: string) => `*.${namespace}.svc.cluster.local`;

/**
 * The egress rules of a workspace environment: its binding's hosts and CIDRs, the Service names of its bound
 * namespaces (Kubernetes), the platform's ports, and of `own` — the origins of the endpoints of the service a
 * request is about — those the binding grants: on a local target, loopback on a port of its local port range;
 * on Kubernetes, a Service in a bound namespace. An own origin the binding does not grant (a configured
 * endpoint elsewhere) gets no pass: it must match the hosts or CIDRs like any URL.
 */
export function egressRulesFor(binding: ResolvedBinding, platformPorts: number[], own: string[]): EgressRules {
  const { policy } = binding;
  const namespaces = binding.target.kind === 'kubernetes' ? policy.namespaces : [];
  return {
    hosts: [...policy.egress.hosts, ...namespaces.map(clusterHostsOf)],
    cidrs: [...policy.egress.cidrs],
    ownOrigins: own.flatMap((origin) => {
      const granted = grantedOrigin(origin, binding);
      return granted ? [granted] : [];
    }),
    platformPorts: [...platformPorts],
    localAddresses: machineAddresses(),
  };
}

/** The origin of an endpoint URL when the binding grants it as the target's own; undefined otherwise. */
function grantedOrigin(endpoint: string, binding: ResolvedBinding): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = ruleHost(url.hostname);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const { policy } = binding;
  if (binding.target.kind === 'local') {
    const ip = parseIp(host);
    const range = policy.localPorts;
    const onLoopback = ip !== undefined && loopback.some((cidr) => inCidr(ip, cidr));
    return onLoopback && range && port >= range.from && port <= range.to ? url.origin : undefined;
  }
  return policy.namespaces.some((namespace) => hostMatches(host, clusterHostsOf(namespace))) ? url.origin : undefined;
}

/** Every address of this machine's interfaces: a platform port is this machine's on any of them. */
function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => entry.address.replace(/%.*$/, ''));
}

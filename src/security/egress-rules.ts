import { formatIp, inCidr, nat64Embedded, parseCidr, parseIp, type Cidr, type Ip } from './ip.ts';

// Where the worker may send a request for a workspace: default deny. A URL is allowed when it is one of the
// target's own endpoints, or its host matches the binding's egress hosts, or its address the binding's CIDRs.
// Some places are refused whatever the binding says (link-local, cloud metadata, unspecified addresses), and
// the platform's own ports on this machine's addresses are refused even when a CIDR would allow them.

/** What a request of one workspace environment may reach (see egressRulesFor). */
export interface EgressRules {
  /** Host names it may reach: exact (`api.example.com`), or `*.example.com` for every name below example.com. */
  hosts: string[];
  /** Networks it may reach (`10.0.0.0/8`, `fd00::/8`): URLs naming an address, and what allowed names resolve to. */
  cidrs: string[];
  /** Origins of the target's own endpoints (`http://127.0.0.1:4001`), reachable without a host or CIDR rule. */
  ownOrigins: string[];
  /** Ports of the platform itself (Temporal, API, Postgres, supervisor): refused on every local address. */
  platformPorts: number[];
  /** This machine's own interface addresses: local like loopback, so the platform ports are refused on them too. */
  localAddresses: string[];
}

/** A request the egress rules refuse; its message names the URL's host and the rule, never the whole URL. */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
}

/** What the platform's ports are, by their defaults, so a refusal can say which one was hit. */
const platformPortNames: Record<number, string> = {
  5432: 'Postgres',
  7233: 'Temporal',
  8233: 'Temporal Web UI',
  8080: 'API',
  7390: 'local supervisor',
};

const refusedNetworks = [
  { cidr: '169.254.169.254/32', what: 'cloud metadata (link-local)' },
  { cidr: '100.100.100.200/32', what: 'cloud metadata' },
  { cidr: 'fd00:ec2::254/128', what: 'cloud metadata' },
  { cidr: '169.254.0.0/16', what: 'link-local' },
  { cidr: 'fe80::/10', what: 'link-local' },
  // 0.0.0.0 and `::` connect to this machine itself on Linux: never a destination.
  { cidr: '0.0.0.0/8', what: 'unspecified' },
  { cidr: '::/128', what: 'unspecified' },
].map((entry) => ({ ...entry, network: mustCidr(entry.cidr) }));

const refusedNames: Record<string, string> = { 'metadata.google.internal': 'cloud metadata' };

const loopback = ['127.0.0.0/8', '::1/128'].map(mustCidr);

function mustCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`not a CIDR: ${text}`);
  return cidr;
}

/** How an allowed URL was allowed: which rule let it through decides what its resolved addresses may be. */
export type AllowedBy = 'own' | 'host' | 'cidr';

/** The verdict on a URL: where it goes (host without brackets, port) and by which rule, or why it may not. */
export type UrlVerdict =
  | { allowed: true; url: URL; host: string; port: number; by: AllowedBy }
  | { allowed: false; problem: string };

/** The host of a URL as rules compare it: lower case, without IPv6 brackets or a trailing dot. */
export function ruleHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

/** `https://api.example.com/v1` and nothing more: no credentials, query or fragment, so it may be logged. */
export function safeUrl(url: string | URL): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** Whether a host name matches a pattern: exactly, or for `*.example.com` any name below example.com. */
export function hostMatches(host: string, pattern: string): boolean {
  const want = ruleHost(pattern);
  if (want.startsWith('*.')) return host.endsWith(want.slice(1)) && host.length > want.length - 1;
  return host === want;
}

/** Why an address is never a destination (`link-local`, `cloud metadata`), or undefined. */
function alwaysRefused(ip: Ip): string | undefined {
  const embedded = nat64Embedded(ip);
  for (const candidate of embedded ? [ip, embedded] : [ip]) {
    const hit = refusedNetworks.find((entry) => inCidr(candidate, entry.network));
    if (hit) return hit.what;
  }
  return undefined;
}

/** What makes an address this machine's own (`loopback`, `this machine's address`), or undefined. */
function localKind(ip: Ip, rules: EgressRules): string | undefined {
  if (loopback.some((network) => inCidr(ip, network))) return 'loopback';
  const own = rules.localAddresses.map(parseIp).some((local) => local?.version === ip.version && local.value === ip.value);
  return own ? "this machine's own address" : undefined;
}

function inAllowedCidr(ip: Ip, rules: EgressRules): boolean {
  return rules.cidrs.some((text) => {
    const cidr = parseCidr(text);
    return cidr !== undefined && inCidr(ip, cidr);
  });
}

function platformPortProblem(port: number, rules: EgressRules): string | undefined {
  if (!rules.platformPorts.includes(port)) return undefined;
  const name = platformPortNames[port];
  return name ? `port ${port} is the platform's ${name}` : `port ${port} is one of the platform's own ports`;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

function originOf(protocol: string, host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `${protocol}//${shown}${port === defaultPort(protocol) ? '' : `:${port}`}`;
}

function isOwnOrigin(protocol: string, host: string, port: number, rules: EgressRules): boolean {
  const origin = originOf(protocol, host, port);
  return rules.ownOrigins.some((own) => {
    try {
      const url = new URL(own);
      return originOf(url.protocol, ruleHost(url.hostname), Number(url.port) || defaultPort(url.protocol)) === origin;
    } catch {
      return false;
    }
  });
}

/**
 * The check of a destination, as a URL names it: `host` an address or a name (rule form, see ruleHost).
 * An address is allowed by an own origin or a CIDR; a name by an own origin or a host pattern.
 */
export function destinationVerdict(protocol: string, host: string, port: number, rules: EgressRules): { by: AllowedBy } | { problem: string } {
  const ip = parseIp(host);
  if (ip) {
    const shown = formatIp(ip);
    const refused = alwaysRefused(ip);
    if (refused) return { problem: `${shown} is ${refused}` };
    const platform = localKind(ip, rules) && platformPortProblem(port, rules);
    if (platform) return { problem: `${platform} (on ${shown})` };
    if (isOwnOrigin(protocol, host, port, rules)) return { by: 'own' };
    if (inAllowedCidr(ip, rules)) return { by: 'cidr' };
    return { problem: `${shown} is not in the binding's egress CIDRs` };
  }
  const refusedName = refusedNames[host];
  if (refusedName) return { problem: `${host} is ${refusedName}` };
  if (isOwnOrigin(protocol, host, port, rules)) return { by: 'own' };
  if (rules.hosts.some((pattern) => hostMatches(host, pattern))) return { by: 'host' };
  return { problem: `${host} is not in the binding's egress hosts` };
}

/** The verdict on a URL before anything is sent: scheme, then its destination (see destinationVerdict). */
export function checkUrl(url: string | URL, rules: EgressRules): UrlVerdict {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return { allowed: false, problem: 'the URL is not valid' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { allowed: false, problem: `${parsed.protocol.replace(/:$/, '')} URLs are not allowed (http and https only)` };
  }
  const host = ruleHost(parsed.hostname);
  const port = Number(parsed.port) || defaultPort(parsed.protocol);
  const verdict = destinationVerdict(parsed.protocol, host, port, rules);
  return 'problem' in verdict ? { allowed: false, problem: verdict.problem } : { allowed: true, url: parsed, host, port, by: verdict.by };
}

/**
 * Why the worker may not fetch a URL under these rules, or undefined when it may: the static check the API
 * makes when it accepts a definition. A name's addresses are checked again where it is fetched.
 */
export function urlProblem(url: string, rules: EgressRules): string | undefined {
  const verdict = checkUrl(url, rules);
  return verdict.allowed ? undefined : verdict.problem;
}

/**
 * Why an address an allowed name resolved to may not be connected, or undefined when it may. The name was
 * allowed, so an ordinary address is fine; a refused class never is, and a local one (loopback, this
 * machine) only when a CIDR of the binding allows it, and never on a platform port.
 */
export function resolvedAddressProblem(host: string, address: string, port: number, rules: EgressRules): string | undefined {
  const ip = parseIp(address);
  if (!ip) return `${host} resolved to ${address}, which is not an address`;
  const shown = formatIp(ip);
  const refused = alwaysRefused(ip);
  if (refused) return `${host} resolves to ${shown}, which is ${refused}`;
  const local = localKind(ip, rules);
  if (!local) return undefined;
  const platform = platformPortProblem(port, rules);
  if (platform) return `${host} resolves to ${shown}: ${platform}`;
  if (inAllowedCidr(ip, rules)) return undefined;
  return `${host} resolves to ${shown}, which is ${local} and not in the binding's egress CIDRs`;
}

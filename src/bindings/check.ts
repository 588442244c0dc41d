import path from 'node:path';
import type { Analysis, MetricProvider } from '../analysis/types.ts';
import type { Workload } from '../ops/definition.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { BindingPolicy, ResolvedBinding, TargetKind } from './policy.ts';

// Pure checks of what a definition, an ops job or an analysis names against a binding. The API runs them when
// it accepts the input; the activities run them again before they act (definitions travel in workflow inputs,
// and a binding may have narrowed since).

/** One field that steps outside the binding, with the rule it breaks. */
export interface Violation {
  /** The field, as a dotted path from the checked object (`definition.namespace`). */
  path: string;
  /** A stable name of the rule (`namespace-not-bound`, `image-not-allowed`, …). */
  rule: string;
  message: string;
}

/** Says why an outbound URL may not be fetched under the binding, or undefined when it may. */
export type UrlCheck = (url: string) => string | undefined;

const violation = (path: string, rule: string, message: string): Violation => ({ path, rule, message });

export function noBinding(kind: TargetKind, environment: string): Violation {
  return violation(
    'environment',
    'no-binding',
    `the workspace environment ${environment} has no binding to a ${kind} target: a platform admin grants one (POST /api/v1/admin/bindings)`,
  );
}

/** Whether an image may run: `*`, or it starts with one of the prefixes. */
export function imageAllowed(image: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => prefix === '*' || image.startsWith(prefix));
}

/** Whether a folder is one the binding grants, or below one (`..` has been refused by the schemas already). */
export function directoryAllowed(directory: string, granted: readonly string[]): boolean {
  const normal = path.posix.normalize(directory);
  return granted.some((root) => {
    const base = path.posix.normalize(root).replace(/\/+$/, '') || '/';
    return normal === base || normal.startsWith(base === '/' ? '/' : `${base}/`);
  });
}

function checkImage(at: string, image: string, policy: BindingPolicy): Violation[] {
  return imageAllowed(image, policy.imagePrefixes)
    ? []
    : [violation(at, 'image-not-allowed', `image ${image} does not start with an image prefix the binding allows (${list(policy.imagePrefixes)})`)];
}

function checkNamespace(at: string, namespace: string, policy: BindingPolicy): Violation[] {
  return policy.namespaces.includes(namespace)
    ? []
    : [violation(at, 'namespace-not-bound', `namespace ${namespace} is not bound to this workspace environment (bound: ${list(policy.namespaces)})`)];
}

function checkServiceAccount(at: string, serviceAccount: string | undefined, policy: BindingPolicy): Violation[] {
  const account = serviceAccount ?? 'default';
  return policy.serviceAccounts.includes(account)
    ? []
    : [violation(at, 'service-account-not-allowed', `Jobs may not run as the ServiceAccount ${account} (allowed: ${list(policy.serviceAccounts)})`)];
}

function checkDirectory(at: string, directory: string, policy: BindingPolicy): Violation[] {
  return directoryAllowed(directory, policy.directories)
    ? []
    : [violation(at, 'directory-not-granted', `${directory} is not inside a folder the binding grants (${list(policy.directories)})`)];
}

function checkLocalCommands(at: string, policy: BindingPolicy): Violation[] {
  return policy.localCommands ? [] : [violation(at, 'local-commands-off', 'the binding does not let this environment run commands on the worker\'s machine')];
}

function checkPort(at: string, port: number, policy: BindingPolicy): Violation[] {
  const range = policy.localPorts;
  if (range && port >= range.from && port <= range.to) return [];
  return [violation(at, 'port-outside-range', `port ${port} is outside the binding's local port range (${range ? `${range.from}-${range.to}` : 'none'})`)];
}

function checkUrl(at: string, url: string | undefined, urlCheck: UrlCheck, templated = false): Violation[] {
  // An analysis URL that names its arguments ({{args.x}}) is checked once they are filled in, where it is
  // fetched; no other URL is a template, so no other is let through for it.
  if (url === undefined || (templated && url.includes('{{'))) return [];
  const problem = urlCheck(url);
  return problem ? [violation(at, 'egress-not-allowed', problem)] : [];
}

/**
 * A Gateway API route: it attaches to a Gateway in one of its own namespaces, or to a shared one the binding
 * lists — and then only for host names the binding grants (a route without host names would take every host
 * the shared listener has that no other route names).
 */
function checkGatewayRoute(at: string, definition: Extract<ServiceDefinition, { target: 'kubernetes' }>, policy: BindingPolicy): Violation[] {
  if (definition.traffic.provider !== 'gateway-api') return [];
  const { gateway, hostnames = [] } = definition.traffic;
  const namespace = gateway.namespace ?? definition.namespace;
  const found: Violation[] = [];
  const shared = !policy.namespaces.includes(namespace);
  if (shared && !policy.gateways.includes(`${namespace}/${gateway.name}`)) {
    found.push(violation(`${at}.traffic.gateway`, 'gateway-not-allowed', `the Gateway ${namespace}/${gateway.name} is neither in a bound namespace nor one the binding shares (${list(policy.gateways)})`));
  }
  if (shared && hostnames.length === 0) {
    found.push(violation(`${at}.traffic.hostnames`, 'hostnames-required', 'a route on a shared Gateway names the host names it serves'));
  }
  hostnames.forEach((hostname, index) => {
    if (shared || policy.hostnames.length > 0) {
      if (!policy.hostnames.some((pattern) => hostnameMatches(hostname.toLowerCase(), pattern))) {
        found.push(violation(`${at}.traffic.hostnames.${index}`, 'hostname-not-allowed', `${hostname} is not a host name the binding grants (${list(policy.hostnames)})`));
      }
    }
  });
  return found;
}

/** `*.example.com` matches names below example.com (and a route's own wildcard below it); otherwise exactly. */
function hostnameMatches(hostname: string, pattern: string): boolean {
  if (!pattern.startsWith('*.')) return hostname === pattern;
  const domain = pattern.slice(1);
  return hostname.endsWith(domain) && hostname.length > domain.length;
}

/** A metric's provider: Jobs need the Kubernetes binding; web and Prometheus URLs the egress policy. */
export function checkMetricProvider(at: string, provider: MetricProvider, bindings: { kubernetes?: ResolvedBinding }, urlCheck: UrlCheck): Violation[] {
  if (provider.type === 'job') {
    const kube = bindings.kubernetes;
    if (!kube) return [{ ...noBinding('kubernetes', 'of this release'), path: `${at}.namespace` }];
    return [
      ...checkNamespace(`${at}.namespace`, provider.namespace, kube.policy),
      ...checkImage(`${at}.image`, provider.image, kube.policy),
      ...checkServiceAccount(`${at}.serviceAccount`, undefined, kube.policy),
    ];
  }
  return checkUrl(`${at}.url`, provider.url, urlCheck, true);
}

export function checkAnalysis(at: string, analysis: Pick<Analysis, 'metrics'>, bindings: { kubernetes?: ResolvedBinding }, urlCheck: UrlCheck): Violation[] {
  return analysis.metrics.flatMap((metric, index) => checkMetricProvider(`${at}.metrics.${index}.provider`, metric.provider, bindings, urlCheck));
}

/**
 * Where a service's objects are: its namespace on Kubernetes, its four ports on the local target. Instant
 * switches, traffic moves, scaling, retirement and reads touch those objects and nothing else the definition
 * names, so they check this much again before they act — the ownership labels cannot say it, as they do not
 * follow a rebinding.
 */
export function checkPlacement(definition: ServiceDefinition, binding: ResolvedBinding, at = 'definition'): Violation[] {
  const { policy } = binding;
  if (definition.target === 'kubernetes') return checkNamespace(`${at}.namespace`, definition.namespace, policy);
  const { local } = definition;
  return [
    ...checkPort(`${at}.local.port`, local.port, policy),
    ...checkPort(`${at}.local.previewPort`, local.previewPort, policy),
    ...checkPort(`${at}.local.colorPorts.blue`, local.colorPorts.blue, policy),
    ...checkPort(`${at}.local.colorPorts.green`, local.colorPorts.green, policy),
  ];
}

/**
 * Everything a service definition names: the namespace or ports, the image, hooks, commands, URLs and analyses.
 * `binding` is the binding of the definition's own target kind; `kubernetes` the one analysis Jobs run under.
 */
export function checkDefinition(
  definition: ServiceDefinition,
  binding: ResolvedBinding,
  options: {
    urlCheck: UrlCheck;
    kubernetes?: ResolvedBinding;
    at?: string;
    /** Whether to check the analysis templates (activities leave them to the measuring activity, which checks each metric). */
    analyses?: boolean;
  },
): Violation[] {
  const at = options.at ?? 'definition';
  const { policy } = binding;
  const found: Violation[] = checkPlacement(definition, binding, at);
  if (definition.target === 'kubernetes') {
    found.push(...checkImage(`${at}.image`, definition.image, policy));
    found.push(...checkGatewayRoute(at, definition, policy));
    // A migration runs as a Job in the service's namespace, as the namespace's default ServiceAccount.
    if (definition.hooks?.migration) found.push(...checkServiceAccount(`${at}.hooks.migration`, undefined, policy));
  } else {
    const local = definition.local;
    found.unshift(...checkLocalCommands(`${at}.local.command`, policy));
    if (local.cwd !== undefined) found.push(...checkDirectory(`${at}.local.cwd`, local.cwd, policy));
    if (definition.hooks?.migration) found.push(...checkLocalCommands(`${at}.hooks.migration.command`, policy));
  }
  const backup = definition.hooks?.backup;
  if (backup) {
    if (!Object.hasOwn(policy.databases, backup.database)) {
      found.push(violation(`${at}.hooks.backup.database`, 'database-not-granted', `the binding grants no database connection named ${backup.database} (granted: ${list(Object.keys(policy.databases))})`));
    }
    found.push(...checkDirectory(`${at}.hooks.backup.directory`, backup.directory, policy));
  }
  found.push(...checkUrl(`${at}.notifications.webhookUrl`, definition.notifications?.webhookUrl, options.urlCheck));
  found.push(...checkUrl(`${at}.prometheus.url`, definition.prometheus?.url, options.urlCheck));
  found.push(...checkUrl(`${at}.endpoints.preview`, definition.endpoints?.preview, options.urlCheck));
  found.push(...checkUrl(`${at}.endpoints.stable`, definition.endpoints?.stable, options.urlCheck));
  const kubernetes = options.kubernetes ?? (binding.target.kind === 'kubernetes' ? binding : undefined);
  for (const [name, template] of options.analyses === false ? [] : Object.entries(definition.analysisTemplates)) {
    found.push(...checkAnalysis(`${at}.analysisTemplates.${name}`, template, { kubernetes }, options.urlCheck));
  }
  return found;
}

/** An operations job's workload, against the binding of its environment on the target it runs on. */
export function checkWorkload(workload: Workload, binding: ResolvedBinding, at = 'workload'): Violation[] {
  const { policy } = binding;
  switch (workload.type) {
    case 'local':
      return [...checkLocalCommands(`${at}.command`, policy), ...(workload.cwd === undefined ? [] : checkDirectory(`${at}.cwd`, workload.cwd, policy))];
    case 'kubernetes':
      return [
        ...checkNamespace(`${at}.namespace`, workload.namespace, policy),
        ...checkImage(`${at}.image`, workload.image, policy),
        ...checkServiceAccount(`${at}.service_account`, workload.service_account, policy),
      ];
    case 'database-backup':
      return [
        ...(Object.hasOwn(policy.databases, workload.database)
          ? []
          : [violation(`${at}.database`, 'database-not-granted', `the binding grants no database connection named ${workload.database} (granted: ${list(Object.keys(policy.databases))})`)]),
        ...checkDirectory(`${at}.directory`, workload.directory, policy),
      ];
    case 'cleanup-deployments':
      return [];
  }
}

/** The kind of target an operations workload runs on (local commands and backups run on the worker's machine). */
export function workloadTargetKind(workload: Workload): TargetKind {
  return workload.type === 'kubernetes' ? 'kubernetes' : 'local';
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

import type { ServiceDefinition } from './definition.ts';

/** What a secret-bearing value reads as in an API answer; sent back in a PUT, it keeps the stored value. */
export const MASKED = '********';

type Path = Array<string | number>;

/** The userinfo of a URL (`scheme://user:password@`, or a token as the user), up to the last `@` of the authority. */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/** A URL's credentials replaced by `********`; the rest of the URL stays readable (and still a URL). */
export function maskUrlCredentials(text: string): string {
  return text.replace(urlCredentials, `$1${MASKED}@`);
}

/**
 * Free text that may quote a secret (an error message, a step's message): URL credentials masked, and the
 * `params: ...` line of a drizzle "Failed query" message (the SQL parameters) cut to its end of line.
 */
export function maskText(text: string): string {
  return maskUrlCredentials(text).replace(/(Failed query: [\s\S]*?\n)params: .*/g, '$1params: [redacted]');
}

/** Every string in a JSON value passed through maskText. */
export function maskTextDeep<T>(value: T): T {
  return mapStrings(value, maskText);
}

/**
 * Where a definition keeps secrets whole: env values named in `secretEnv` (the service's and the migration
 * hook's), the webhook URL, and every analysis template's header values (bearer tokens, API keys).
 */
function secretPaths(definition: ServiceDefinition): Path[] {
  const paths: Path[] = definition.secretEnv.filter((name) => Object.hasOwn(definition.env, name)).map((name) => ['env', name]);
  const migration = definition.hooks?.migration;
  for (const name of migration?.secretEnv ?? []) {
    if (migration && Object.hasOwn(migration.env, name)) paths.push(['hooks', 'migration', 'env', name]);
  }
  if (definition.notifications) paths.push(['notifications', 'webhookUrl']);
  for (const [template, analysis] of Object.entries(definition.analysisTemplates)) {
    analysis.metrics.forEach((metric, index) => {
      if (metric.provider.type !== 'web') return;
      for (const header of Object.keys(metric.provider.headers)) paths.push(['analysisTemplates', template, 'metrics', index, 'provider', 'headers', header]);
    });
  }
  return paths;
}

/**
 * A definition as API answers show it to every role: each secret (see secretPaths) is `********`, and so are
 * the credentials of every URL anywhere in it (Prometheus, analyses, endpoints, commands).
 */
export function maskDefinition<T extends ServiceDefinition>(definition: T): T {
  const masked = mapStrings(definition, maskUrlCredentials);
  for (const path of secretPaths(definition)) setAt(masked, path, MASKED);
  return masked;
}

/** A place where a definition sent `********` but no stored secret could be kept. */
export interface MaskProblem {
  path: string;
  message: string;
}

/**
 * The definition a PUT (or POST) should store: wherever it sends back what an answer showed (`********`, or a
 * URL with masked credentials), the stored value is kept. A header is kept only while its provider's URL is
 * unchanged, so a kept token is never sent to a new place. Placeholders with nothing to keep are problems.
 */
export function keepMaskedSecrets<T extends ServiceDefinition>(
  incoming: T,
  stored: ServiceDefinition | undefined,
): { definition: T; problems: MaskProblem[] } {
  const definition = structuredClone(incoming);
  const problems: MaskProblem[] = [];
  const secrets = { incoming: new Set(secretPaths(incoming).map(key)), stored: new Set(stored ? secretPaths(stored).map(key) : []) };
  for (const [path, value] of strings(incoming)) {
    const before = stored === undefined ? undefined : at(stored, path);
    let problem: string | undefined;
    if (value === MASKED && (secrets.incoming.has(key(path)) || secrets.stored.has(key(path)))) {
      if (!secrets.incoming.has(key(path))) problem = 'the stored value is a secret: mark it secret to keep it, or send a new value';
      else if (!secrets.stored.has(key(path)) || typeof before !== 'string') problem = `no stored secret here to keep: send the value itself, not ${MASKED}`;
      else if (movedProvider(incoming, stored, path)) problem = "the analysis provider's url changed: send its header values again";
    } else if (value.includes(`://${MASKED}@`)) {
      if (typeof before !== 'string' || maskUrlCredentials(before) !== value) problem = `the URL's credentials are ${MASKED} but the URL changed: send them again`;
    } else {
      continue;
    }
    if (problem) problems.push({ path: path.join('.'), message: problem });
    else setAt(definition, path, before);
  }
  return { definition, problems };
}

/** Whether the analysis provider that holds this header has a different url than the stored one. */
function movedProvider(incoming: ServiceDefinition, stored: ServiceDefinition | undefined, path: Path): boolean {
  if (path[0] !== 'analysisTemplates') return false;
  // ['analysisTemplates', template, 'metrics', index, 'provider', 'headers', name]
  const provider = path.slice(0, 5);
  const storedUrl = stored === undefined ? undefined : at(stored, [...provider, 'url']);
  const incomingUrl = at(incoming, [...provider, 'url']);
  return typeof storedUrl !== 'string' || typeof incomingUrl !== 'string' || (incomingUrl !== storedUrl && incomingUrl !== maskUrlCredentials(storedUrl));
}

const key = (path: Path) => JSON.stringify(path);

/** Every string leaf of a JSON value, with its path. */
function strings(value: unknown, path: Path = []): Array<[Path, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item: unknown, index) => strings(item, [...path, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([name, item]) => strings(item, [...path, name]));
  return [];
}

function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, mapStrings(item, map)])) as T;
  }
  return value;
}

function at(value: unknown, path: Path): unknown {
  let current = value;
  for (const step of path) {
    if (!current || typeof current !== 'object' || !Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** Defines rather than assigns, so an env variable named `__proto__` is masked like any other. */
function setAt(value: unknown, path: Path, leaf: unknown): void {
  const parent = at(value, path.slice(0, -1));
  if (parent && typeof parent === 'object') Object.defineProperty(parent, path.at(-1)!, { value: leaf, writable: true, enumerable: true, configurable: true });
}

/**
 * A flag ramp's plan as answers and audit rows show it: its analyses' web header values (tokens) `********`, and
 * the credentials of every URL in it masked, as a definition's analysis templates are.
 */
export function maskRampPlan<T extends { steps: unknown[] }>(plan: T): T {
  const masked = mapStrings(plan, maskUrlCredentials);
  masked.steps.forEach((step, index) => {
    const metrics = (step as { analysis?: { metrics?: Array<{ provider?: { type?: string; headers?: Record<string, string> } }> } }).analysis?.metrics ?? [];
    metrics.forEach((metric, metricIndex) => {
      if (metric.provider?.type !== 'web') return;
      for (const header of Object.keys(metric.provider.headers ?? {})) setAt(masked, ['steps', index, 'analysis', 'metrics', metricIndex, 'provider', 'headers', header], MASKED);
    });
  });
  return masked;
}

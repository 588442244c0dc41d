import { pino, type DestinationStream, type Logger } from 'pino';
import { maskText } from './services/mask.ts';

export type { Logger };

const censor = '[redacted]';

/**
 * Keys whose values are credentials or may carry them, wherever a log line puts them (pino's paths are not
 * recursive: each is matched at the top and two levels down, e.g. `headers`, `req.headers`, `definition.notifications.webhookUrl`).
 * Whole header maps, env maps and URLs go, not only their secret parts: a log line cannot tell which header is a
 * bearer token, which env value was marked secret, or whether a URL's path is the credential (Slack webhooks).
 */
const secretKeys = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  '["set-cookie"]',
  'token',
  'accessToken',
  'apiToken',
  'password',
  'secret',
  'headers',
  'env',
  'webhookUrl',
  'url',
  'databaseUrl',
  'DATABASE_URL',
  'connectionString',
];
const separator = (key: string) => (key.startsWith('[') ? '' : '.');
export const redactPaths = [
  ...secretKeys.flatMap((key) => [key, `*${separator(key)}${key}`, `*.*${separator(key)}${key}`]),
  // A whole service definition logged by mistake: its deeper secrets (see src/services/mask.ts).
  'definition.hooks.migration.env',
  'definition.analysisTemplates.*.metrics[*].provider.headers',
  'definition.analysisTemplates.*.metrics[*].provider.url',
];

/** Fields of a driver's error that hold the values bound to a query, or rows built from them. */
const boundFields = new Set(['params', 'parameters', 'args', 'types', 'detail', 'where', 'internal_query']);
/** Bound values shorter than this are not scrubbed out of messages: they would blank out ordinary words. */
const shortestScrubbed = 4;

/**
 * pino's error serializer without the SQL parameters: drizzle's DrizzleQueryError (`params`, and a
 * `params: ...` line in its message and stack) and postgres.js's errors (`parameters`, `args`; `detail` and
 * `where` quote row values). The SQL text stays: drizzle binds every value, so it carries only placeholders.
 * Any bound value a server message quotes (`invalid input syntax for type uuid: "..."`) is cut out too.
 */
export function serializeError(error: unknown): unknown {
  if (!isErrorLike(error)) return error;
  const scrub = scrubberFor(error);
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(serialized)
      .filter(([key]) => !boundFields.has(key))
      .map(([key, value]) => [key, scrubDeep(value, scrub)]),
  );
}

/** Removes from a text the values bound to the queries of an error and its causes, then masks it as error text. */
function scrubberFor(error: unknown): (text: string) => string {
  const bound = boundValues(error);
  return (text) => {
    let clean = text;
    for (const { section, values } of bound) {
      if (section) clean = clean.split(section).join(`\nparams: ${censor}`);
      for (const value of values) clean = clean.split(value).join(censor);
    }
    return maskText(clean);
  };
}

/** The values bound to the queries of an error and its causes, and drizzle's `\nparams: ...` section. */
function boundValues(error: unknown): Array<{ section?: string; values: string[] }> {
  const found: Array<{ section?: string; values: string[] }> = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && isErrorLike(current); depth += 1) {
    const record = current as Record<string, unknown>;
    for (const field of ['params', 'parameters', 'args']) {
      const list = record[field];
      if (!Array.isArray(list)) continue;
      found.push({
        section: field === 'params' ? `\nparams: ${safeString(list)}` : undefined,
        values: list.flatMap((value: unknown) => {
          const text = typeof value === 'string' ? value : value && typeof value === 'object' ? safeJson(value) : undefined;
          return text !== undefined && text.length >= shortestScrubbed ? [text] : [];
        }),
      });
    }
    current = record.cause;
  }
  return found;
}

function scrubDeep(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item: unknown) => scrubDeep(item, scrub));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !boundFields.has(key))
        .map(([key, item]) => [key, scrubDeep(item, scrub)]),
    );
  }
  return value;
}

function isErrorLike(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '';
  }
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * One JSON logger per process; children carry request ids and workflow ids. Secrets are redacted by key, errors
 * lose their SQL parameters (under `err`, and `error` where the Temporal SDK puts them), and message strings are
 * masked like error text. `destination` is for tests that read what was written.
 */
export function createLogger(config: { LOG_LEVEL: string }, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: 'cutover', ...bindings },
      redact: { paths: redactPaths, censor },
      serializers: { err: serializeError, error: serializeError },
      hooks: {
        logMethod(args, method) {
          const [first, second] = args as unknown[];
          // `logger.error(err)` makes the error's own message the line's message: scrubbed like the error.
          const masked = isErrorLike(first) && typeof second !== 'string' ? [first, scrubberFor(first)(first.message), ...args.slice(1)] : args;
          method.apply(this, masked.map((arg: unknown) => (typeof arg === 'string' ? maskText(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

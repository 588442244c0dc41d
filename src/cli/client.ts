import { apiBase, createApiClient, type ApiClient } from '../api-client/index.ts';
import { loadConfig, type CliConfig } from './config.ts';
import { CliError, exitCodeForHttpStatus, exitCodes } from './exit-codes.ts';

/** The API's error body: `{ error: { code, message, requestId, details? } }`. */
interface ErrorBody {
  error?: { code?: string; message?: string; requestId?: string; details?: unknown };
}

/** A logged-in client: the typed API client plus what raw requests (event streams) need. */
export interface Connection {
  api: ApiClient;
  config: CliConfig;
  /** `<url>/api/v1` */
  base: string;
}

export function connect(env: Record<string, string | undefined> = process.env): Connection {
  const config = loadConfig(env);
  return { api: createApiClient({ baseUrl: config.url, token: config.token }), config, base: apiBase(config.url) };
}

/** The error to exit with for an API error answer: the API's code and message, and its details. */
export function apiError(status: number, body: unknown): CliError {
  const error = (body as ErrorBody | undefined)?.error;
  const text = error?.message ? `${error.code ?? status}: ${error.message}` : `the API answered ${status}`;
  return new CliError(text, exitCodeForHttpStatus(status), { details: error?.details });
}

/** A fetch that failed before any answer: the API is down or the URL is wrong. */
export function unreachable(url: string, cause: unknown): CliError {
  const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return new CliError(`cannot reach the API at ${url}: ${reason}`, exitCodes.unreachable, { cause });
}

/**
 * Awaits one typed API call; returns its data, or throws the CliError its answer maps to (6 for 401/403,
 * 8 for other errors, 7 when no answer came).
 */
export async function call<T>(connection: Connection, request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<ReturnType<typeof request>>;
  try {
    result = await request();
  } catch (error) {
    throw unreachable(connection.config.url, error);
  }
  if (!result.response.ok) throw apiError(result.response.status, result.error);
  return result.data as T;
}

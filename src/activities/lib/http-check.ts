import type { SmokeCheck } from '../../services/definition.ts';

/** The outcome of one smoke check, stored with the deployment. */
export interface CheckResult {
  name: string;
  passed: boolean;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Why it failed. */
  reason?: string;
  attempts: number;
  durationMs: number;
}

/** Reads `a.b.0.c` from a parsed JSON value. */
export function readJsonPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Judges a response against a check: undefined when it passes, otherwise why not. */
export function judgeResponse(check: SmokeCheck, status: number, body: string): string | undefined {
  if (status !== check.expectStatus) return `expected status ${check.expectStatus}, got ${status}`;
  if (check.bodyContains !== undefined && !body.includes(check.bodyContains)) {
    return `body does not contain ${JSON.stringify(check.bodyContains)}`;
  }
  if (check.jsonPath !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return 'body is not JSON';
    }
    const actual = readJsonPath(parsed, check.jsonPath);
    if (actual !== check.equals) return `${check.jsonPath} is ${JSON.stringify(actual)}, expected ${JSON.stringify(check.equals)}`;
  }
  return undefined;
}

/** Runs one check against a base URL, retrying as the check says. */
export async function runCheck(baseUrl: string, check: SmokeCheck, retryDelayMs = 500): Promise<CheckResult> {
  const started = performance.now();
  let reason = 'not run';
  let status: number | undefined;
  for (let attempt = 1; attempt <= check.retries + 1; attempt += 1) {
    try {
      const response = await fetch(new URL(check.path, baseUrl), {
        method: check.method,
        signal: AbortSignal.timeout(check.timeoutMs),
      });
      status = response.status;
      const failure = judgeResponse(check, response.status, await response.text());
      if (!failure) return { name: check.name, passed: true, status, attempts: attempt, durationMs: Math.round(performance.now() - started) };
      reason = failure;
    } catch (error) {
      status = undefined;
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (attempt <= check.retries) await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
  }
  return { name: check.name, passed: false, status, reason, attempts: check.retries + 1, durationMs: Math.round(performance.now() - started) };
}

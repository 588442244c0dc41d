import { EgressRefusedError, egressFetch, type EgressRules } from '../../security/egress.ts';
import { endpointPathSchema, type SmokeCheck } from '../../services/definition.ts';

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
    if (actual !== check.equals) return `${check.jsonPath} is ${cut(JSON.stringify(actual) ?? 'undefined')}, expected ${JSON.stringify(check.equals)}`;
  }
  return undefined;
}

/** A value from an answer, as a reason may echo it: at most 200 characters. */
function cut(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** How much of an answer a check reads. */
const maxCheckBodyBytes = 64 * 1024;

/**
 * Runs one check against a base URL under the egress rules, retrying as the check says. A refused request
 * is a failed check at once (asking again would be refused again), its reason naming the rule.
 */
export async function runCheck(baseUrl: string, check: SmokeCheck, rules: EgressRules, retryDelayMs = 500): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Definitions travel in workflow inputs: a path is checked again where it is used.
  if (!endpointPathSchema.safeParse(check.path).success) {
    return { name: check.name, passed: false, reason: "refused: the path is not a path on the service's own endpoint", attempts: 0, durationMs: 0 };
  }
  let reason = 'not run';
  let status: number | undefined;
  for (let attempt = 1; attempt <= check.retries + 1; attempt += 1) {
    try {
      const request = { method: check.method, signal: AbortSignal.timeout(check.timeoutMs), maxBodyBytes: maxCheckBodyBytes };
      const answer = await egressFetch(new URL(check.path, baseUrl), request, rules);
      status = answer.status;
      const failure = judgeResponse(check, answer.status, answer.text());
      if (!failure) return { name: check.name, passed: true, status, attempts: attempt, durationMs: elapsed() };
      reason = answer.truncated ? `${failure} (only the first ${maxCheckBodyBytes / 1024} KiB of the answer are read)` : failure;
    } catch (error) {
      if (error instanceof EgressRefusedError) {
        return { name: check.name, passed: false, reason: `refused: ${error.message}`, attempts: attempt, durationMs: elapsed() };
      }
      status = undefined;
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (attempt <= check.retries) await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
  }
  return { name: check.name, passed: false, status, reason, attempts: check.retries + 1, durationMs: elapsed() };
}

import type { SmokeCheck } from '../services/definition.ts';
import { runCheck, type CheckResult } from './lib/http-check.ts';

/** Activities that talk HTTP to a service under release. */
export function createHttpCheckActivities() {
  return {
    /** Runs every smoke check against the preview endpoint; the caller decides what failures mean. */
    async runSmokeChecks(input: { baseUrl: string; checks: SmokeCheck[] }): Promise<CheckResult[]> {
      const results: CheckResult[] = [];
      for (const check of input.checks) results.push(await runCheck(input.baseUrl, check));
      return results;
    },

    /** One health probe of the stable endpoint during the monitor window. */
    async probeHealth(input: { url: string; timeoutMs: number }): Promise<{ ok: boolean; status?: number; reason?: string }> {
      try {
        const response = await fetch(input.url, { signal: AbortSignal.timeout(input.timeoutMs) });
        await response.arrayBuffer();
        return response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status, reason: `status ${response.status}` };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

import type { Scope } from '../bindings/scope.ts';
import { serviceEndpoints, type ServiceDefinition, type SmokeCheck } from '../services/definition.ts';
import { runCheck, type CheckResult } from './lib/http-check.ts';

/** A service whose own endpoints a check is sent to. */
interface CheckedService extends Scope {
  service: string;
  definition: ServiceDefinition;
}

/** Activities that talk HTTP to a service under release. */
export function createHttpCheckActivities() {
  return {
    /** Runs every smoke check against the service's preview endpoint; the caller decides what failures mean. */
    async runSmokeChecks(input: CheckedService & { checks: SmokeCheck[] }): Promise<CheckResult[]> {
      const baseUrl = serviceEndpoints(input.service, input.definition).preview;
      const results: CheckResult[] = [];
      for (const check of input.checks) results.push(await runCheck(baseUrl, check));
      return results;
    },

    /** An instant PromQL query; the first sample's value, or null with a reason when there is none. */
    async queryPrometheus(input: Scope & { url: string; query: string }): Promise<{ value: number | null; reason?: string }> {
      try {
        const url = new URL('/api/v1/query', input.url);
        url.searchParams.set('query', input.query);
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const body = (await response.json()) as { status?: string; error?: string; data?: { result?: Array<{ value?: [number, string] }> } };
        if (!response.ok || body.status !== 'success') return { value: null, reason: `prometheus: ${body.error ?? response.status}` };
        const raw = body.data?.result?.[0]?.value?.[1];
        const value = raw === undefined ? Number.NaN : Number(raw);
        return Number.isFinite(value) ? { value } : { value: null, reason: 'prometheus: no data' };
      } catch (error) {
        return { value: null, reason: `prometheus: ${error instanceof Error ? error.message : String(error)}` };
      }
    },

    /** One health probe of the service's stable endpoint (a path on it) during the monitor window. */
    async probeHealth(input: CheckedService & { path: string; timeoutMs: number }): Promise<{ ok: boolean; status?: number; reason?: string }> {
      try {
        const url = new URL(input.path, serviceEndpoints(input.service, input.definition).stable);
        const response = await fetch(url, { signal: AbortSignal.timeout(input.timeoutMs) });
        await response.arrayBuffer();
        return response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status, reason: `status ${response.status}` };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

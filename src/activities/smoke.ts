import type { Scope } from '../bindings/scope.ts';
import { prometheusQueryUrl } from '../analysis/providers/prometheus.ts';
import { EgressRefusedError, egressFetch } from '../security/egress.ts';
import { endpointPathSchema, serviceEndpoints, type ServiceDefinition, type SmokeCheck } from '../services/definition.ts';
import { egressRulesOf, type EgressDeps } from './lib/egress-binding.ts';
import { runCheck, type CheckResult } from './lib/http-check.ts';

/** A service whose own endpoints a check is sent to. */
interface CheckedService extends Scope {
  service: string;
  definition: ServiceDefinition;
}

/** The egress rules of a service's checks: its binding, with the service's own endpoints. */
function serviceRules(deps: EgressDeps, input: CheckedService) {
  const endpoints = serviceEndpoints(input.service, input.definition);
  return egressRulesOf(deps, input, { kind: input.definition.target, own: [endpoints.preview, endpoints.stable] });
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Activities that talk HTTP to a service under release; every request goes through the egress policy. */
export function createHttpCheckActivities(deps: EgressDeps) {
  return {
    /** Runs every smoke check against the service's preview endpoint; the caller decides what failures mean. */
    async runSmokeChecks(input: CheckedService & { checks: SmokeCheck[] }): Promise<CheckResult[]> {
      const rules = await serviceRules(deps, input);
      const baseUrl = serviceEndpoints(input.service, input.definition).preview;
      const results: CheckResult[] = [];
      for (const check of input.checks) results.push(await runCheck(baseUrl, check, rules));
      return results;
    },

    /**
     * An instant PromQL query against Prometheus' base URL (its path kept: `https://host/prometheus`); the first
     * sample's value, or null with a reason when there is none or the URL is refused.
     */
    async queryPrometheus(
      input: Scope & { url: string; query: string; definition?: ServiceDefinition },
    ): Promise<{ value: number | null; reason?: string }> {
      const rules = await egressRulesOf(deps, input, input.definition ? { kind: input.definition.target } : {});
      try {
        const url = prometheusQueryUrl(input.url);
        url.searchParams.set('query', input.query);
        const answer = await egressFetch(url, { signal: AbortSignal.timeout(5_000), maxBodyBytes: 1024 * 1024 }, rules);
        const body = JSON.parse(answer.text()) as { status?: string; error?: string; data?: { result?: Array<{ value?: [number, string] }> } };
        if (!answer.ok || body.status !== 'success') return { value: null, reason: `prometheus: ${cut(body.error) ?? answer.status}` };
        const raw = body.data?.result?.[0]?.value?.[1];
        const value = raw === undefined ? Number.NaN : Number(raw);
        return Number.isFinite(value) ? { value } : { value: null, reason: 'prometheus: no data' };
      } catch (error) {
        if (error instanceof EgressRefusedError) return { value: null, reason: `prometheus: refused: ${error.message}` };
        return { value: null, reason: `prometheus: ${reasonOf(error)}` };
      }
    },

    /** One health probe of the service's stable endpoint (a path on it) during the monitor window. */
    async probeHealth(input: CheckedService & { path: string; timeoutMs: number }): Promise<{ ok: boolean; status?: number; reason?: string }> {
      const rules = await serviceRules(deps, input);
      // Definitions travel in workflow inputs: the path is checked again where it is used.
      if (!endpointPathSchema.safeParse(input.path).success) return { ok: false, reason: "refused: the path is not a path on the service's own endpoint" };
      try {
        const url = new URL(input.path, serviceEndpoints(input.service, input.definition).stable);
        const answer = await egressFetch(url, { signal: AbortSignal.timeout(input.timeoutMs), maxBodyBytes: 0 }, rules);
        return answer.ok ? { ok: true, status: answer.status } : { ok: false, status: answer.status, reason: `status ${answer.status}` };
      } catch (error) {
        return { ok: false, reason: error instanceof EgressRefusedError ? `refused: ${error.message}` : reasonOf(error) };
      }
    },
  };
}

/** Prometheus' error text as a reason echoes it: at most 300 characters. */
function cut(text: string | undefined): string | undefined {
  return text !== undefined && text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

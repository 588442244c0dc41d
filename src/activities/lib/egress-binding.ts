import type { Violation } from '../../bindings/check.ts';
import { boundaryFailure, requireBinding } from '../../bindings/enforce.ts';
import type { BindingLookup, ResolvedBinding, TargetKind } from '../../bindings/policy.ts';
import type { Scope } from '../../bindings/scope.ts';
import { egressRulesFor, type EgressRules } from '../../security/egress.ts';

/** What an activity that sends requests needs to know where it may send them. */
export interface EgressDeps {
  /** The binding of a workspace environment, whose egress hosts and CIDRs widen what may be reached. */
  bindings: BindingLookup;
  /** Ports of the platform itself, refused on this machine's addresses whatever the binding says. */
  platformPorts: number[];
}

/**
 * The binding of a request that belongs to no one service (an analysis, a monitor's Prometheus query, a
 * webhook): the environment's Kubernetes binding, else its local one; a non-retryable BoundaryViolation when
 * it has neither.
 */
export async function requestBinding(lookup: BindingLookup, scope: Scope): Promise<ResolvedBinding> {
  const binding = (await lookup(scope, 'kubernetes')) ?? (await lookup(scope, 'local'));
  if (binding) return binding;
  const none: Violation = {
    path: 'environment',
    rule: 'no-binding',
    message: `the workspace environment ${scope.environment} has no binding to a target: a platform admin grants one (POST /api/v1/admin/bindings)`,
  };
  throw boundaryFailure([none]);
}

/**
 * The egress rules for a request of a scope. With `kind` (the service's target) that binding is required;
 * `own` are the origins of that service's own endpoints, allowed where the binding grants them.
 */
export async function egressRulesOf(deps: EgressDeps, scope: Scope, options: { kind?: TargetKind; own?: string[] } = {}): Promise<EgressRules> {
  const binding = options.kind ? await requireBinding(deps.bindings, scope, options.kind) : await requestBinding(deps.bindings, scope);
  return egressRulesFor(binding, deps.platformPorts, options.own ?? []);
}

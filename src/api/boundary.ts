import type { Analysis } from '../analysis/types.ts';
import { checkAnalysis, checkDefinition, checkPlacement, checkWorkload, imageAllowed, noBinding, workloadTargetKind, type Violation } from '../bindings/check.ts';
import type { ResolvedBinding, TargetKind } from '../bindings/policy.ts';
import { urlCheckFor } from '../bindings/url-check.ts';
import { findBinding } from '../db/repositories/bindings.ts';
import type { Workload } from '../ops/definition.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { ApiDeps, Caller } from './context.ts';
import { ApiError } from './errors.ts';

// The API side of the tenant boundary: what a request names is checked against the binding of the caller's
// workspace environment before anything is written or started. A refusal is 403 `outside_binding` naming each
// field and rule in its details, which the request's audit row records too.

type BoundaryDeps = Pick<ApiDeps, 'db' | 'platformPorts'>;

/** Refuses the request when anything is outside the binding. */
function refuseIfAny(violations: Violation[]): void {
  if (violations.length === 0) return;
  const first = violations[0]!;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more in details)` : '';
  throw new ApiError(403, 'outside_binding', `${first.path}: ${first.message}${more}`, violations);
}

async function bindingOrRefuse(deps: BoundaryDeps, caller: Caller, environment: string, kind: TargetKind): Promise<ResolvedBinding> {
  const binding = await findBinding(deps.db, { workspaceId: caller.workspaceId, environment }, kind);
  if (!binding) refuseIfAny([noBinding(kind, environment)]);
  return binding!;
}

/** The endpoints a definition sets for its own colours: they pass where the binding grants them as its own. */
const ownEndpoints = (definition: ServiceDefinition) => [definition.endpoints?.preview, definition.endpoints?.stable];

/** A service definition (POST/PUT /services), with its analysis templates and URLs. */
export async function assertDefinitionAllowed(deps: BoundaryDeps, caller: Caller, environment: string, definition: ServiceDefinition): Promise<void> {
  const binding = await bindingOrRefuse(deps, caller, environment, definition.target);
  const kubernetes = definition.target === 'kubernetes' ? binding : await findBinding(deps.db, { workspaceId: caller.workspaceId, environment }, 'kubernetes');
  const urlCheck = urlCheckFor(binding, deps.platformPorts ?? [], ownEndpoints(definition));
  refuseIfAny(checkDefinition(definition, binding, { urlCheck, kubernetes }));
}

/**
 * Where a stored service's objects are — its namespace, or its ports on this machine — for the actions that touch
 * only those objects: instant switch, rollback's switch, reading and setting traffic, reading its colours. The
 * binding may have narrowed since the definition was saved (a namespace taken away or bound to another
 * workspace), and the objects' ownership labels do not follow a rebinding. Only the placement: these actions run
 * no image, hook or command and fetch no URL, and an emergency switch back must not be refused because, say, a
 * webhook's host left the egress rules; what a release uses is checked when one starts (assertReleaseAllowed).
 */
export async function assertPlacementAllowed(deps: BoundaryDeps, caller: Caller, environment: string, definition: ServiceDefinition): Promise<void> {
  const binding = await bindingOrRefuse(deps, caller, environment, definition.target);
  refuseIfAny(checkPlacement(definition, binding));
}

/**
 * A release (POST /deployments, and a rollback that releases the previous version again): the stored definition
 * again (the binding may have narrowed since it was saved), the image it runs and a canary's own analyses.
 */
export async function assertReleaseAllowed(
  deps: BoundaryDeps,
  caller: Caller,
  request: { environment: string; definition: ServiceDefinition; image: string; analyses: Analysis[] },
): Promise<void> {
  const binding = await bindingOrRefuse(deps, caller, request.environment, request.definition.target);
  const kubernetes = request.definition.target === 'kubernetes' ? binding : await findBinding(deps.db, { workspaceId: caller.workspaceId, environment: request.environment }, 'kubernetes');
  const urlCheck = urlCheckFor(binding, deps.platformPorts ?? [], ownEndpoints(request.definition));
  const violations = checkDefinition(request.definition, binding, { urlCheck, kubernetes, at: 'service.definition' });
  if (request.definition.target === 'kubernetes' && !imageAllowed(request.image, binding.policy.imagePrefixes)) {
    violations.push({ path: 'image', rule: 'image-not-allowed', message: `image ${request.image} does not start with an image prefix the binding allows` });
  }
  request.analyses.forEach((analysis, index) => violations.push(...checkAnalysis(`options.steps.analysis.${index}`, analysis, { kubernetes }, urlCheck)));
  refuseIfAny(violations);
}

/** An operations job's workload (POST /ops/jobs). */
export async function assertWorkloadAllowed(deps: BoundaryDeps, caller: Caller, environment: string, workload: Workload): Promise<void> {
  const binding = await bindingOrRefuse(deps, caller, environment, workloadTargetKind(workload));
  refuseIfAny(checkWorkload(workload, binding));
}

/**
 * A flag ramp's analyses (POST /features/{id}/ramps): a Job metric needs the environment's Kubernetes binding, a web
 * or Prometheus metric's URL the egress rules of its Kubernetes binding, else its local one — as the measuring
 * activity checks them again.
 */
export async function assertAnalysesAllowed(deps: BoundaryDeps, caller: Caller, environment: string, analyses: Analysis[]): Promise<void> {
  if (analyses.length === 0) return;
  const scope = { workspaceId: caller.workspaceId, environment };
  const kubernetes = await findBinding(deps.db, scope, 'kubernetes');
  const binding = kubernetes ?? (await findBinding(deps.db, scope, 'local'));
  if (!binding) refuseIfAny([noBinding('local', environment)]);
  const urlCheck = urlCheckFor(binding!, deps.platformPorts ?? [], []);
  refuseIfAny(analyses.flatMap((analysis, index) => checkAnalysis(`steps.analysis.${index}`, analysis, { kubernetes }, urlCheck)));
}

import { ApplicationFailure } from '@temporalio/activity';
import { noBinding, type Violation } from './check.ts';
import type { BindingLookup, ResolvedBinding, TargetKind } from './policy.ts';
import type { Scope } from './scope.ts';

// The activity side of the boundary: the same checks as the API, made again just before a place is touched.

/** The failure type activities report when a place is outside the binding; never retried. */
export const boundaryViolationType = 'BoundaryViolation';

/** The binding of the scope for a kind of target, or a non-retryable failure that says none is granted. */
export async function requireBinding(lookup: BindingLookup, scope: Scope, kind: TargetKind): Promise<ResolvedBinding> {
  const binding = await lookup(scope, kind);
  if (!binding) throw boundaryFailure([noBinding(kind, scope.environment)]);
  return binding;
}

/** Throws a non-retryable failure naming every field outside the binding; returns when there is none. */
export function enforce(violations: Violation[]): void {
  if (violations.length > 0) throw boundaryFailure(violations);
}

export function boundaryFailure(violations: Violation[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: boundaryViolationType,
    message: `outside the binding: ${violations.map((found) => `${found.path}: ${found.message}`).join('; ')}`,
    details: [violations],
    nonRetryable: true,
  });
}

/** For activities that fetch nothing themselves: URLs are checked where they are fetched, on the connected address. */
export const urlsCheckedWhereFetched = (): undefined => undefined;

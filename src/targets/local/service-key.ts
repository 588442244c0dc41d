import type { Scope } from '../../bindings/scope.ts';

// How the supervisor knows a local service: `<workspace id>.<environment>.<service>`. Each part is lower-case
// letters, digits and "-" (a UUID, two DNS-label names), so "." separates them unambiguously, and the key is safe
// as a URL path segment of the control API and as part of a log file's name.

const part = /^[a-z0-9][a-z0-9-]*$/;
const maxLength = 200;

/** A key the control API accepts: an owner's (`ws.env.svc`), or a bare name (an older Cutover's `svc-port`, a test's). */
export const serviceKeyPattern = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*){0,2}$/;

export function isServiceKey(key: string): boolean {
  return key.length <= maxLength && serviceKeyPattern.test(key);
}

/** The supervisor's key of a workspace environment's service; throws when a part could not be told apart. */
export function localServiceKey(owner: Scope, service: string): string {
  const parts = [owner.workspaceId, owner.environment, service];
  const bad = parts.find((value) => !part.test(value));
  if (bad !== undefined) throw new Error(`"${bad}" cannot be part of a local service key: lower-case letters, digits and "-" only`);
  const key = parts.join('.');
  if (key.length > maxLength) throw new Error(`the local service key of ${service} is longer than ${maxLength} characters`);
  return key;
}

/**
 * The key an older Cutover gave the same service (`<service>-<public port>`, no owner), which the owner's key
 * takes over; undefined for a key without an owner.
 */
export function legacyServiceKey(key: string, port: number): string | undefined {
  const parts = key.split('.');
  return parts.length === 3 ? `${parts[2]}-${port}` : undefined;
}

import { fileURLToPath } from 'node:url';
import { bindingPolicySchema, type BindingPolicy } from '../../src/bindings/policy.ts';
import { anyEnvironment, createTarget, findBinding, findTargetByName, putBinding, type Target } from '../../src/db/repositories/bindings.ts';
import type { Database } from '../../src/db/client.ts';
import type { TargetKind } from '../../src/bindings/policy.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A target of the test run by name (one database per run, shared by its files), registered on first use. */
export async function testTarget(db: Database, kind: TargetKind, name: string = kind): Promise<Target> {
  const target = (await createTarget(db, { name, kind })) ?? (await findTargetByName(db, name));
  if (!target) throw new Error(`no ${name} target`);
  return target;
}

/** The namespace a test workspace holds from the start: its own, since a namespace belongs to one binding. */
export const testNamespace = (workspaceId: string) => `ns-${workspaceId.slice(0, 8)}`;

/**
 * What a test workspace may touch unless a test says otherwise: every environment (`*`) may run local commands
 * on ports 1024-65535 in the repository and /tmp, any image, the `default` ServiceAccount, and reach fixture
 * servers on loopback. Namespaces are bound per test (`bindNamespaces`), since each belongs to one binding.
 */
export const testPolicy = {
  local: { localCommands: true, localPorts: { from: 1024, to: 65535 }, directories: [repoRoot, '/tmp'], imagePrefixes: ['*'], egress: { hosts: [], cidrs: ['127.0.0.0/8'] } },
  kubernetes: {
    serviceAccounts: ['default'],
    imagePrefixes: ['*'],
    directories: ['/tmp'],
    egress: { hosts: [], cidrs: ['127.0.0.0/8'] },
    // The pre-switch hook tests: one connection the worker has, one it lacks.
    databases: { 'hook-db': { urlEnv: 'CUTOVER_TEST_HOOK_DB' }, 'missing-db': { urlEnv: 'CUTOVER_TEST_MISSING_DB' } },
  },
} satisfies Record<TargetKind, Partial<BindingPolicy>>;

/** Binds a workspace environment (default: all of them) to a target (default: the kind's) with a policy (default: `testPolicy`). */
export async function bindTestWorkspace(
  db: Database,
  workspaceId: string,
  kind: TargetKind,
  policy: Partial<BindingPolicy> = testPolicy[kind],
  options: { environment?: string; target?: string } = {},
): Promise<void> {
  const target = await testTarget(db, kind, options.target ?? kind);
  await putBinding(db, { workspaceId, environment: options.environment ?? anyEnvironment, target, policy: bindingPolicySchema.parse(policy), createdBy: 'test' });
}

/** Adds namespaces to a workspace environment's Kubernetes binding (on the target it has). */
export async function bindNamespaces(db: Database, workspaceId: string, namespaces: string[], environment = anyEnvironment): Promise<void> {
  const current = await findBinding(db, { workspaceId, environment }, 'kubernetes');
  const policy = current?.policy ?? bindingPolicySchema.parse(testPolicy.kubernetes);
  const merged = { ...policy, namespaces: [...new Set([...policy.namespaces, ...namespaces])] };
  await bindTestWorkspace(db, workspaceId, 'kubernetes', merged, { environment, target: current?.target.name });
}

import { fileURLToPath } from 'node:url';
import { bindingPolicySchema, type BindingPolicy } from '../../src/bindings/policy.ts';
import { anyEnvironment, createTarget, findBinding, findTargetByName, putBinding, type Target } from '../../src/db/repositories/bindings.ts';
import type { Database } from '../../src/db/client.ts';
import type { TargetKind } from '../../src/bindings/policy.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The test run's targets (one database per run, shared by its files). */
export async function testTarget(db: Database, kind: TargetKind): Promise<Target> {
  const name = kind === 'local' ? 'local' : 'kubernetes';
  const target = (await createTarget(db, { name, kind })) ?? (await findTargetByName(db, name));
  if (!target) throw new Error(`no ${name} target`);
  return target;
}

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

/** Binds a workspace environment (default: all of them) to a target with a policy (default: `testPolicy`). */
export async function bindTestWorkspace(
  db: Database,
  workspaceId: string,
  kind: TargetKind,
  policy: Partial<BindingPolicy> = testPolicy[kind],
  environment = anyEnvironment,
): Promise<void> {
  await putBinding(db, { workspaceId, environment, target: await testTarget(db, kind), policy: bindingPolicySchema.parse(policy), createdBy: 'test' });
}

/** Adds namespaces to a workspace environment's Kubernetes binding. */
export async function bindNamespaces(db: Database, workspaceId: string, namespaces: string[], environment = anyEnvironment): Promise<void> {
  const current = await findBinding(db, { workspaceId, environment }, 'kubernetes');
  const policy = current?.policy ?? bindingPolicySchema.parse(testPolicy.kubernetes);
  await bindTestWorkspace(db, workspaceId, 'kubernetes', { ...policy, namespaces: [...new Set([...policy.namespaces, ...namespaces])] }, environment);
}

import {
  countApiTokens,
  createApiToken,
  createWorkspace,
  findActiveToken,
  findTokenByPlaintext,
  findWorkspaceByName,
  type Workspace,
} from './db/repositories/workspaces.ts';
import { eq } from 'drizzle-orm';
import os from 'node:os';
import { bindingPolicySchema, type BindingPolicy } from './bindings/policy.ts';
import { anyEnvironment, createTarget, findTargetByName, listBindings, putBinding, type Target } from './db/repositories/bindings.ts';
import type { Database } from './db/client.ts';
import { apiTokens, users } from './db/schema/index.ts';
import { randomBytes } from 'node:crypto';
import { hashPassword } from './auth/passwords.ts';
import { createUser, putMember } from './db/repositories/users.ts';

export const defaultWorkspaceName = 'default';

/**
 * Makes sure the default workspace exists and has an admin.
 * With `adminToken` that token becomes (or stays) an admin — unless it was revoked: a revoked token stays
 * revoked (`adminTokenRevoked`, for the caller to say so) and the start goes on. Without it, a workspace with no
 * tokens at all gets a new admin token when `createIfMissing` — returned in plaintext once, for the dev command.
 */
export async function bootstrapAdmin(
  db: Database,
  options: { adminToken?: string; createIfMissing: boolean },
): Promise<{ workspace: Workspace; createdToken?: string; adminTokenRevoked?: boolean }> {
  return db.transaction(async (tx) => {
    const workspace = (await createWorkspace(tx, defaultWorkspaceName)) ?? (await findWorkspaceByName(tx, defaultWorkspaceName));
    if (!workspace) throw new Error(`the ${defaultWorkspaceName} workspace is deleted; restore it or set up another`);
    if (options.adminToken) {
      const existing = await findActiveToken(tx, options.adminToken);
      if (!existing && (await findTokenByPlaintext(tx, options.adminToken))?.revokedAt) return { workspace, adminTokenRevoked: true };
      if (!existing) {
        await createApiToken(tx, { workspaceId: workspace.id, name: 'bootstrap-admin', role: 'admin', platformAdmin: true, token: options.adminToken });
      } else if (!existing.token.platformAdmin) {
        // Set up before there were platform admins: the bootstrap admin holds the role.
        await tx.update(apiTokens).set({ platformAdmin: true }).where(eq(apiTokens.id, existing.token.id));
      }
      return { workspace };
    }
    if (options.createIfMissing && (await countApiTokens(tx, workspace.id)) === 0) {
      const { plaintext } = await createApiToken(tx, { workspaceId: workspace.id, name: 'dev-admin', role: 'admin', platformAdmin: true });
      return { workspace, createdToken: plaintext };
    }
    return { workspace };
  });
}

/**
 * Makes the first platform admin when there is no user at all: `email`, with `password` or a generated one
 * (returned once in plaintext, for the dev command to print and keep), owner of the default workspace.
 * Afterwards it does nothing: people are managed through the API from then on.
 */
export async function bootstrapAdminUser(
  db: Database,
  workspace: { id: string },
  options: { email: string; password?: string },
): Promise<{ created: boolean; generatedPassword?: string }> {
  const [anyone] = await db.select({ id: users.id }).from(users).limit(1);
  if (anyone) return { created: false };
  const generatedPassword = options.password ? undefined : randomBytes(15).toString('base64url');
  const user = await createUser(db, {
    email: options.email,
    displayName: 'Platform admin',
    passwordHash: await hashPassword(options.password ?? generatedPassword!),
    platformAdmin: true,
  });
  // Two processes starting at once: the other one made the admin.
  if (!user) return { created: false };
  await putMember(db, { workspaceId: workspace.id, userId: user.id, role: 'owner' });
  return { created: true, generatedPassword };
}

/** The targets a single-machine setup has: this machine, and the cluster the worker's kubeconfig points at. */
export const defaultTargets = { local: 'local', kubernetes: 'kubernetes' } as const;

/**
 * The single-machine setup (the dev command, the demo): registers the local target and the worker's cluster,
 * and binds every environment of the default workspace to both — local commands on, ports 1024-65535, the
 * project's folder and the temporary folder, any image, the `default` namespace and ServiceAccount. Done once:
 * a workspace that has bindings keeps them, whatever a platform admin changed.
 */
export async function bootstrapBindings(db: Database, workspace: { id: string }, options: { directories?: string[] } = {}): Promise<void> {
  if ((await listBindings(db, { workspaceId: workspace.id })).length > 0) return;
  const target = async (name: string, kind: 'local' | 'kubernetes', description: string): Promise<Target> => {
    const found = (await createTarget(db, { name, kind, description })) ?? (await findTargetByName(db, name));
    if (!found) throw new Error(`failed to register the ${name} target`);
    return found;
  };
  const local = await target(defaultTargets.local, 'local', 'this machine: services run as processes behind Cutover\'s proxy');
  const kube = await target(defaultTargets.kubernetes, 'kubernetes', "the cluster of the worker's kubeconfig");
  const directories = options.directories ?? [process.cwd(), os.tmpdir()];
  const policies: Array<[Target, BindingPolicy]> = [
    [local, bindingPolicySchema.parse({ localCommands: true, localPorts: { from: 1024, to: 65535 }, directories, imagePrefixes: ['*'] })],
    [kube, bindingPolicySchema.parse({ namespaces: ['default'], serviceAccounts: ['default'], imagePrefixes: ['*'], directories })],
  ];
  for (const [bound, policy] of policies) {
    await putBinding(db, { workspaceId: workspace.id, environment: anyEnvironment, target: bound, policy, createdBy: 'bootstrap' });
  }
}

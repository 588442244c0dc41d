import { findActiveToken, countApiTokens, createApiToken, createWorkspace, findWorkspaceByName, type Workspace } from './db/repositories/workspaces.ts';
import type { Database } from './db/client.ts';

export const defaultWorkspaceName = 'default';

/**
 * Makes sure the default workspace exists and has an admin.
 * With `adminToken` that token becomes (or stays) an admin; without it, a workspace with no tokens at all
 * gets a new admin token when `createIfMissing` — returned in plaintext once, for the dev command to print.
 */
export async function bootstrapAdmin(
  db: Database,
  options: { adminToken?: string; createIfMissing: boolean },
): Promise<{ workspace: Workspace; createdToken?: string }> {
  return db.transaction(async (tx) => {
    const workspace = (await createWorkspace(tx, defaultWorkspaceName)) ?? (await findWorkspaceByName(tx, defaultWorkspaceName));
    if (!workspace) throw new Error(`the ${defaultWorkspaceName} workspace is deleted; restore it or set up another`);
    if (options.adminToken) {
      if (!(await findActiveToken(tx, options.adminToken))) {
        await createApiToken(tx, { workspaceId: workspace.id, name: 'bootstrap-admin', role: 'admin', token: options.adminToken });
      }
      return { workspace };
    }
    if (options.createIfMissing && (await countApiTokens(tx, workspace.id)) === 0) {
      const { plaintext } = await createApiToken(tx, { workspaceId: workspace.id, name: 'dev-admin', role: 'admin' });
      return { workspace, createdToken: plaintext };
    }
    return { workspace };
  });
}

/**
 * Whose work an activity does: the workspace and environment a release, hook, analysis or job belongs to.
 * Every activity that touches a place (a namespace, a port, a URL, a database) gets it, so it can check the
 * place against that workspace environment's binding again before it acts.
 */
export interface Scope {
  workspaceId: string;
  environment: string;
}

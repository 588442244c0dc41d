import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { createDeploymentActivities } from './deployments.ts';

/** Everything activities need from the outside world; tests pass real or fixture dependencies. */
export interface ActivityDeps {
  db: Database;
  logger: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeploymentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

import { defineQuery } from '@temporalio/workflow';

/** What a running release reports about itself. */
export interface ReleaseState {
  /** The step it is on, or "done". */
  step: string;
  /** Its deployment status as recorded in Postgres. */
  status: string;
}

export const stateQuery = defineQuery<ReleaseState>('state');

import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { Color } from './lib/colors.ts';

// A local activity: it runs inside the worker's workflow task, with no server round trip per step, because an
// operator is waiting and a rollback should land in well under a second. It is idempotent, so retries are safe.
const { switchToWarmColor } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 5 },
});

export interface SwitchTrafficInput {
  service: string;
  definition: ServiceDefinition;
  /** A colour to send traffic to; omitted means "back to the other colour" (a rollback). */
  to?: Color;
}

export interface SwitchTrafficResult {
  /** Whether the stable Service now selects `to`. */
  switched: boolean;
  from: Color | null;
  to: Color;
  /** Why it did not switch. */
  reason?: string;
}

/** Moves all traffic to a colour that is warm (has ready pods); refuses a cold one. */
export async function switchTrafficWorkflow(input: SwitchTrafficInput): Promise<SwitchTrafficResult> {
  return switchToWarmColor(input);
}

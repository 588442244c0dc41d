import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import { standbyColor, type Color } from './lib/colors.ts';

// Short timeouts: an operator is waiting on this, and a rollback should land in well under a second.
const { readActiveColor, colorPodHealth, switchTraffic } = proxyActivities<Activities>({
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
  const target = { service: input.service, definition: input.definition };
  const from = await readActiveColor(target);
  const to = input.to ?? standbyColor(from ?? undefined);
  if (from === to) return { switched: true, from, to };
  const health = await colorPodHealth({ ...target, color: to });
  if (health.ready === 0) return { switched: false, from, to, reason: `${input.service}-${to} has no ready pods` };
  await switchTraffic({ ...target, role: 'stable', color: to });
  return { switched: true, from, to };
}

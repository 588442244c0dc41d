import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { Scope } from '../bindings/scope.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import type { Color } from './lib/colors.ts';

const { colorVersion, retireColor } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});

export interface RetireColorInput extends Scope {
  service: string;
  definition: ServiceDefinition;
  /** The colour that stopped serving. */
  color: Color;
  /** How long it stays warm (a durable timer: survives worker and server restarts). */
  retainMs: number;
  /** The release lock of the service's objects (releaseLockKey): held while the colour is retired. */
  lockKey?: string;
  /** What an older Cutover passed instead of `lockKey` (its release's workflow id); the activity locks the objects all the same. */
  releaseId?: string;
}

/**
 * Keeps the old colour warm for the retention period, then scales it to zero, unless by then it serves
 * traffic again (rolled back) or runs another version (a newer release took it over).
 */
export async function retireColorWorkflow(input: RetireColorInput): Promise<{ retired: boolean }> {
  const target = { workspaceId: input.workspaceId, environment: input.environment, service: input.service, definition: input.definition, color: input.color };
  const version = await colorVersion(target);
  if (version === null) return { retired: false };
  await sleep(input.retainMs);
  return { retired: await retireColor({ ...target, version, lockKey: input.lockKey, releaseId: input.releaseId }) };
}

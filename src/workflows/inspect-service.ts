import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ColorView } from '../activities/release-target.ts';
import type { Scope } from '../bindings/scope.ts';
import type { ServiceDefinition } from '../services/definition.ts';

const { inspectColors } = proxyLocalActivities<Activities>({ startToCloseTimeout: '15 seconds', retry: { maximumAttempts: 3 } });

/**
 * Reads a service's colours from the cluster. A workflow so that only workers hold cluster credentials,
 * never the API; a local activity so that it answers in one workflow task.
 */
export async function inspectServiceWorkflow(input: Scope & { service: string; definition: ServiceDefinition }): Promise<ColorView[]> {
  return inspectColors(input);
}

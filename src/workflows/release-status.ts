import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ReleaseNotification } from '../activities/notifications.ts';
import type { DeploymentStatus } from '../db/schema/deployments.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import { statusSearchAttribute } from '../temporal/search-attributes.ts';
import type { ReleaseState } from './messages.ts';
import { stepRecorder } from './steps.ts';

// One attempt, short: a notification must never hold a release up (the activity also has a circuit breaker).
const notifier = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

export const finalStatuses: readonly DeploymentStatus[] = ['succeeded', 'failed', 'rolled_back', 'aborted'];

/** What a release workflow reports about: which deployment, of what. */
export interface ReleaseIdentity {
  workspaceId: string;
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  definition: ServiceDefinition;
}

/**
 * A release's reporting: its steps as events, its status in Postgres, in the run's search attributes and in
 * the live state, and the service's webhook told about what matters (only final events are waited for).
 */
export function releaseReporter(input: ReleaseIdentity, state: ReleaseState) {
  const steps = stepRecorder(input);
  let announcedStart = false;
  const notify = (event: ReleaseNotification['event'], reason?: string): Promise<unknown> => {
    const url = input.definition.notifications?.webhookUrl;
    if (!url) return Promise.resolve();
    const { workspaceId, service, environment, version, deploymentId } = input;
    return notifier.notifyWebhook({ url, event, workspaceId, service, environment, version, deploymentId, reason }).catch(() => undefined);
  };
  const setStatus = async (status: DeploymentStatus, reason?: string) => {
    state.status = status;
    if (reason) state.reason = reason;
    await steps.status(status, reason);
    upsertSearchAttributes([{ key: statusSearchAttribute, value: status }]);
    if (finalStatuses.includes(status)) await notify(status as ReleaseNotification['event'], reason);
    else if (status === 'awaiting_approval' || status === 'paused') void notify(status, reason);
    else if (status === 'in_progress' && !announcedStart) {
      announcedStart = true;
      void notify('started');
    }
  };
  return { steps, notify, setStatus };
}

/** The message worth recording: an activity's own failure, not Temporal's wrapper around it. */
export function failureMessage(error: unknown): string {
  if (error instanceof ApplicationFailure) return error.message;
  if (error instanceof Error) return error.cause instanceof Error ? error.cause.message : error.message;
  return String(error);
}

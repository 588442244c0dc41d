import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DeploymentStatus } from '../db/schema/deployments.ts';

const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 20, maximumInterval: '10 seconds' },
});

/** Records one deployment's steps and status in Postgres; the workflow's clock gives the times. */
export function stepRecorder(ref: { workspaceId: string; deploymentId: string }) {
  return {
    async status(status: DeploymentStatus, reason?: string): Promise<void> {
      await records.markDeploymentStatus({ ...ref, status, reason });
    },

    /** Runs `body` as the step `step`: an event when it starts and one when it ends, with its outcome. */
    async run<T>(step: string, body: () => Promise<T>, describe?: (result: T) => Record<string, unknown>): Promise<T> {
      const startedAt = new Date().toISOString();
      await records.recordDeploymentEvent({ ...ref, eventKey: step, step, status: 'started', startedAt });
      try {
        const result = await body();
        await records.recordDeploymentEvent({
          ...ref,
          eventKey: step,
          step,
          status: 'succeeded',
          startedAt,
          endedAt: new Date().toISOString(),
          details: describe?.(result),
        });
        return result;
      } catch (error) {
        await records.recordDeploymentEvent({
          ...ref,
          eventKey: step,
          step,
          status: 'failed',
          message: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error),
          startedAt,
          endedAt: new Date().toISOString(),
        });
        throw error;
      }
    },

    /** A step that happened at one moment (a decision, a skipped step). */
    async note(step: string, status: 'info' | 'skipped' | 'failed' | 'succeeded', message: string, details?: Record<string, unknown>) {
      const now = new Date().toISOString();
      await records.recordDeploymentEvent({ ...ref, eventKey: step, step, status, message, details, startedAt: now, endedAt: now });
    },
  };
}

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

/** How long a start waits for a just-finished release's run to close. */
const closingGraceMs = 3_000;

/**
 * Starts a workflow under a service's release id. A release records its final status a moment before its
 * run closes; a start in that moment is retried briefly instead of being refused. Returns undefined when
 * the id is still held after the grace period: a release really is running.
 */
export async function startWhenFree<T>(start: () => Promise<T>): Promise<T | undefined> {
  const deadline = Date.now() + closingGraceMs;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

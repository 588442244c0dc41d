import type { DatabaseHandle } from '../db/client.ts';
import type { Logger } from '../logger.ts';

/**
 * Who wants to know when an environment's flags change: the flag stream (GET /flags/{environment}/stream) wakes
 * on it instead of polling. Every write to `features` or `feature_segments` fires a NOTIFY from a trigger
 * (drizzle/0009), so a change made by any process (this API, another replica, a ramp's activity) arrives here.
 */
export interface FlagChangeFeed {
  /** Calls `onChange` after each change of a flag or segment of that workspace environment; returns the unsubscribe. */
  subscribe(workspaceId: string, environment: string, onChange: () => void): () => void;
  close(): Promise<void>;
}

export const flagChangeChannel = 'cutover_flag_changes';

/** One LISTEN for the process, fanned out to the streams by `workspace/environment`. */
export async function startFlagChangeFeed(listen: DatabaseHandle['listen'], logger: Logger): Promise<FlagChangeFeed> {
  const subscribers = new Map<string, Set<() => void>>();
  const unlisten = await listen(flagChangeChannel, (payload) => {
    for (const onChange of subscribers.get(payload) ?? []) {
      try {
        onChange();
      } catch (error) {
        logger.warn({ err: error }, 'a flag change subscriber failed');
      }
    }
  });
  return {
    subscribe(workspaceId, environment, onChange) {
      const key = `${workspaceId}/${environment}`;
      const set = subscribers.get(key) ?? new Set();
      set.add(onChange);
      subscribers.set(key, set);
      return () => {
        set.delete(onChange);
        if (set.size === 0) subscribers.delete(key);
      };
    },
    close: () => unlisten(),
  };
}

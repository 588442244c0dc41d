/** Every duration of a release; production defaults, overridable per deployment so tests run in seconds. */
export interface ReleaseTimings {
  /** Longest wait for the standby's rollout. */
  rolloutTimeoutMs: number;
  /** How often the rollout status is read. */
  rolloutPollMs: number;
  /** Longest wait for approval in production before the release aborts. */
  approvalTimeoutMs: number;
  /** How long the new colour is watched after the switch. */
  monitorDurationMs: number;
  /** Time between two health checks in the monitor window. */
  monitorIntervalMs: number;
  /** Consecutive failed health checks that roll back. */
  failureThreshold: number;
  /** How long the old colour stays warm after a success. */
  retentionMs: number;
}

export const defaultReleaseTimings: ReleaseTimings = {
  rolloutTimeoutMs: 10 * 60_000,
  rolloutPollMs: 2_000,
  approvalTimeoutMs: 24 * 3_600_000,
  monitorDurationMs: 5 * 60_000,
  monitorIntervalMs: 10_000,
  failureThreshold: 3,
  retentionMs: 24 * 3_600_000,
};

export function releaseTimings(overrides: Partial<ReleaseTimings> = {}): ReleaseTimings {
  return { ...defaultReleaseTimings, ...overrides };
}

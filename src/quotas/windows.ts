/**
 * Fixed windows and what the API says about them: pure functions (no clock, no I/O) shared by the counters, the
 * middleware and their unit tests.
 */

/** The two API-call windows: a UTC clock hour and a UTC day (day boundaries are hour boundaries). */
export const apiWindows = [
  { name: 'hour', quota: 'api_calls_per_hour', seconds: 3600 },
  { name: 'day', quota: 'api_calls_per_day', seconds: 86_400 },
] as const;
export type ApiWindowName = (typeof apiWindows)[number]['name'];
export type ApiQuotaName = (typeof apiWindows)[number]['quota'];

/** Soft limits, lowest first: a warning header while at or above, one audit event per window when crossed. */
export const warningPercents = [80, 90] as const;

/** Where the window of `seconds` that holds `now` starts and ends (epoch-aligned, so UTC hours and days). */
export function windowAt(now: Date, seconds: number): { start: Date; end: Date } {
  const length = seconds * 1000;
  const start = Math.floor(now.getTime() / length) * length;
  return { start: new Date(start), end: new Date(start + length) };
}

/** The rate_windows key of a workspace's API calls in one window kind. */
export function apiWindowKey(window: ApiWindowName, workspaceId: string): string {
  return `api-${window}:${workspaceId}`;
}

/** One window's state after a request was counted (or refused). */
export interface WindowState {
  name: ApiWindowName;
  quota: ApiQuotaName;
  seconds: number;
  limit: number;
  /** Requests admitted in the window so far, this one included when admitted. */
  used: number;
  /** False when the window was at its limit: the request is refused and was not counted. */
  admitted: boolean;
  /** The highest warning already recorded for the window (0, 80 or 90). */
  warnedPercent: number;
  resetAt: Date;
}

export function remaining(state: Pick<WindowState, 'limit' | 'used'>): number {
  return Math.max(0, state.limit - state.used);
}

/** Whole seconds until the window ends, at least 1 (a client told 0 would retry at once). */
export function secondsUntil(resetAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
}

/** The highest soft limit `used` reached in a window of `limit` (0 for none). */
export function reachedPercent(used: number, limit: number): number {
  let reached = 0;
  for (const percent of warningPercents) if (used * 100 >= limit * percent) reached = percent;
  return reached;
}

/** `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers, structured fields): `"hour";q=1000;w=3600, …`. */
export function rateLimitPolicyHeader(states: WindowState[]): string {
  return states.map((state) => `"${state.name}";q=${state.limit};w=${state.seconds}`).join(', ');
}

/** `RateLimit`: what remains of each policy and in how many seconds it resets, `"hour";r=0;t=1234, …`. */
export function rateLimitHeader(states: WindowState[], now: Date): string {
  return states.map((state) => `"${state.name}";r=${remaining(state)};t=${secondsUntil(state.resetAt, now)}`).join(', ');
}

/** `Cutover-Quota-Warning`: each window at or past a soft limit, `api_calls_per_hour=80%, …`; undefined for none. */
export function quotaWarningHeader(states: WindowState[]): string | undefined {
  const warnings = states
    .map((state) => ({ quota: state.quota, percent: reachedPercent(state.used, state.limit) }))
    .filter((warning) => warning.percent > 0)
    .map((warning) => `${warning.quota}=${warning.percent}%`);
  return warnings.length > 0 ? warnings.join(', ') : undefined;
}

/** The windows that refused the request; the one that resets last decides Retry-After. */
export function refusingWindow(states: WindowState[]): WindowState | undefined {
  return states.filter((state) => !state.admitted).sort((a, b) => b.resetAt.getTime() - a.resetAt.getTime())[0];
}

import { defaultSessionLifetimes, type SessionLifetimes } from '../db/repositories/sessions.ts';
import { defaultLoginLimits, type LoginLimits } from './login-limits.ts';

/** How people sign in: session lifetimes, the step-up window, and whether cookies are sent over TLS only. */
export interface AuthSettings {
  sessions: SessionLifetimes;
  /** How recent a re-authentication must be for a step-up action (revealing a secret, deleting a workspace). */
  stepUpMs: number;
  /** Marks the session cookie Secure; on whenever the API is reached over TLS. */
  secureCookies: boolean;
  /** Wrong-password limits per account and per client address. */
  login: LoginLimits;
}

export const defaultAuthSettings: AuthSettings = { sessions: defaultSessionLifetimes, stepUpMs: 10 * 60_000, secureCookies: false, login: defaultLoginLimits };

/** The browser session's cookie (HttpOnly, SameSite=Lax). */
export const sessionCookie = 'cutover_session';
/** The header a cookie-authenticated mutation carries the session's CSRF token in. */
export const csrfHeader = 'x-csrf-token';
/** The header a session (or a platform admin) names the workspace it acts in with; default: the first membership. */
export const workspaceHeader = 'x-cutover-workspace';
/** A cookie the dashboard's script may read: the session's CSRF token, sent back in x-csrf-token (double submit). */
export const csrfCookie = 'cutover_csrf';

/** The settings the environment chose (see src/config.ts); login limits stay the built-in ones. */
export function authSettingsFromConfig(config: {
  CUTOVER_SESSION_IDLE_MINUTES: number;
  CUTOVER_SESSION_MAX_HOURS: number;
  CUTOVER_STEP_UP_MINUTES: number;
  CUTOVER_SECURE_COOKIES: boolean;
}): AuthSettings {
  return {
    ...defaultAuthSettings,
    sessions: { idleMs: config.CUTOVER_SESSION_IDLE_MINUTES * 60_000, absoluteMs: config.CUTOVER_SESSION_MAX_HOURS * 3_600_000 },
    stepUpMs: config.CUTOVER_STEP_UP_MINUTES * 60_000,
    secureCookies: config.CUTOVER_SECURE_COOKIES,
  };
}

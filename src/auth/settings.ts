import { defaultSessionLifetimes, type SessionLifetimes } from '../db/repositories/sessions.ts';

/** How people sign in: session lifetimes, the step-up window, and whether cookies are sent over TLS only. */
export interface AuthSettings {
  sessions: SessionLifetimes;
  /** How recent a re-authentication must be for a step-up action (revealing a secret, deleting a workspace). */
  stepUpMs: number;
  /** Marks the session cookie Secure; on whenever the API is reached over TLS. */
  secureCookies: boolean;
}

export const defaultAuthSettings: AuthSettings = { sessions: defaultSessionLifetimes, stepUpMs: 10 * 60_000, secureCookies: false };

/** The browser session's cookie (HttpOnly, SameSite=Lax). */
export const sessionCookie = 'cutover_session';
/** The header a cookie-authenticated mutation carries the session's CSRF token in. */
export const csrfHeader = 'x-csrf-token';
/** The header a session (or a platform admin) names the workspace it acts in with; default: the first membership. */
export const workspaceHeader = 'x-cutover-workspace';

import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { addressBlockedUntil, clearAccountFailures, countAccountFailure, countAddressFailure } from '../../auth/login-limits.ts';
import { hashPassword, verifyPassword } from '../../auth/passwords.ts';
import type { AuthSettings } from '../../auth/settings.ts';
import type { User } from '../../db/repositories/users.ts';
import type { ApiDeps, AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

// What sign-in and step-up check, under the limits both share (src/auth/login-limits.ts).

const inProcess = 'in-process';

/** The client's address as the socket saw it; proxies' X-Forwarded-For is not trusted. */
export function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // In-process requests (app.request in tests, scripts) have no socket.
    return inProcess;
  }
}

export function retryAfter(until: Date): string {
  return String(Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000)));
}

/** Spent on unknown emails, so a wrong email takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

/**
 * The client's address when it is to be limited (undefined for a request from inside this process: a script or a
 * test has no address, and the account limit still holds); 429 when it spent its failures in this window.
 */
export async function limitedAddress(deps: ApiDeps, settings: AuthSettings, c: Context<AppEnv>): Promise<string | undefined> {
  const address = clientAddress(c);
  if (address === inProcess) return undefined;
  const blocked = await addressBlockedUntil(deps.db, address, settings.login);
  if (blocked) {
    c.header('Retry-After', retryAfter(blocked));
    throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins from this address: try again after ${blocked.toISOString()}`, {
      reset_at: blocked.toISOString(),
    });
  }
  return address;
}

/**
 * Checks a password for sign-in and step-up alike, under the same limits: an address that spent its failures
 * waits (429 too_many_attempts), a locked account waits (429 account_locked), a wrong password counts against
 * both. Unknown, disabled and password-less accounts answer exactly like a wrong password.
 */
export async function checkPassword(deps: ApiDeps, settings: AuthSettings, c: Context<AppEnv>, user: User | undefined, password: string): Promise<User> {
  const limits = settings.login;
  const address = await limitedAddress(deps, settings, c);
  const limitAddress = address !== undefined;
  if (user?.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
    c.header('Retry-After', retryAfter(user.lockedUntil));
    throw new ApiError(429, 'account_locked', `the account is locked after ${limits.maxFailures} failed sign-ins: try again after ${user.lockedUntil.toISOString()}`, {
      reset_at: user.lockedUntil.toISOString(),
    });
  }
  const usable = user && !user.disabledAt && user.passwordHash ? user : undefined;
  dummyHash ??= hashPassword('not a password anyone has');
  const matches = await verifyPassword(usable?.passwordHash ?? (await dummyHash), password);
  if (usable && matches) {
    if (usable.failedLogins > 0 || usable.lockedUntil) await clearAccountFailures(deps.db, usable.id);
    return usable;
  }
  if (limitAddress) await countAddressFailure(deps.db, address, limits);
  const locked = usable ? await countAccountFailure(deps.db, usable.id, limits) : undefined;
  if (locked) {
    c.header('Retry-After', retryAfter(locked));
    throw new ApiError(429, 'account_locked', `the account is locked after ${limits.maxFailures} failed sign-ins: try again after ${locked.toISOString()}`, {
      reset_at: locked.toISOString(),
    });
  }
  throw new ApiError(401, 'invalid_credentials', 'wrong email or password');
}


import { createMiddleware } from 'hono/factory';
import { defaultAuthSettings, type AuthSettings } from '../../auth/settings.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { callerOf } from './auth.ts';

/**
 * 403 `step_up_required` unless the caller is a person who re-authenticated recently (signed in, or confirmed
 * their password or TOTP code at POST /auth/step-up, within the step-up window). Tokens cannot step up: revealing
 * a secret or deleting a workspace needs a person at a keyboard, not a credential a CI job may have leaked.
 */
export function requireStepUp(settings: AuthSettings = defaultAuthSettings) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = callerOf(c);
    if (caller.kind !== 'session') {
      throw new ApiError(403, 'step_up_required', 'this action needs a signed-in person who re-authenticated recently; tokens cannot do it');
    }
    const minutes = Math.round(settings.stepUpMs / 60_000);
    if (!caller.stepUpAt || Date.now() - caller.stepUpAt.getTime() > settings.stepUpMs) {
      throw new ApiError(403, 'step_up_required', `confirm your password or TOTP code at POST /api/v1/auth/step-up, then retry within ${minutes} minutes`);
    }
    await next();
  });
}

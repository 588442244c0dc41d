import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { Database, Executor } from '../../db/client.ts';
import { insertAuditEntry } from '../../db/repositories/audit.ts';
import { claimWarning, countApiCall } from '../../quotas/counters.ts';
import { checkHoldingQuotas, type HoldingQuota, type QuotaRefusal } from '../../quotas/enforce.ts';
import {
  apiWindowKey,
  quotaWarningHeader,
  rateLimitHeader,
  rateLimitPolicyHeader,
  reachedPercent,
  refusingWindow,
  remaining,
  secondsUntil,
  type WindowState,
} from '../../quotas/windows.ts';
import type { AppEnv, Caller } from '../context.ts';
import { ApiError } from '../errors.ts';

/** The 429 of a quota, in the one error shape: `details` says which quota, its limit, what is used and when it resets. */
export function quotaExceeded(refusal: QuotaRefusal | { quota: string; limit: number; used: number; remaining: number; reset_at: string | null; message: string }): ApiError {
  const { message, ...details } = refusal;
  return new ApiError(429, 'quota_exceeded', message, details);
}

const neverRefused = /^\/api\/v1\/auth\/(?:logout|logout-everywhere)$/;

/**
 * Counts every authenticated request against its workspace's API-call windows (an hour and a day, in Postgres,
 * shared by every API replica) and answers, on every request, the IETF `RateLimit-Policy` and `RateLimit`
 * headers. At the hard limit: 429 `quota_exceeded` with `Retry-After` (the window that refused resets then).
 * From 80% and 90% of a window: `Cutover-Quota-Warning`, and one `quota.warning` audit event per window and
 * level, whichever replica sees the crossing first.
 */
export function enforceApiQuota(db: Database) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.get('caller');
    if (!caller) return next();
    const now = new Date();
    const states = await countApiCall(db, caller.workspaceId, now);
    c.header('RateLimit-Policy', rateLimitPolicyHeader(states));
    c.header('RateLimit', rateLimitHeader(states, now));
    const refusing = refusingWindow(states);
    // The ways out stay open at the limit: a platform admin (who raises the quota) and signing out (which frees a
    // concurrent-user seat). Counted while there is room, never refused.
    if (refusing && !caller.platformAdmin && !neverRefused.test(c.req.path)) {
      c.header('Retry-After', String(secondsUntil(refusing.resetAt, now)));
      throw quotaExceeded({
        quota: refusing.quota,
        limit: refusing.limit,
        used: refusing.used,
        remaining: remaining(refusing),
        reset_at: refusing.resetAt.toISOString(),
        message: `workspace ${caller.workspaceName} made its ${refusing.limit} API calls of this ${refusing.name} (${refusing.quota}): retry after ${refusing.resetAt.toISOString()}, or ask a platform admin to raise the quota`,
      });
    }
    const warning = quotaWarningHeader(states);
    if (warning) {
      c.header('Cutover-Quota-Warning', warning);
      await recordWarnings(db, c, caller, states);
    }
    await next();
  });
}

/** One audit event per window crossing 80% or 90%: claimWarning lets exactly one request (of any replica) write it. */
async function recordWarnings(db: Executor, c: Context<AppEnv>, caller: Caller, states: WindowState[]): Promise<void> {
  for (const state of states) {
    const percent = reachedPercent(state.used, state.limit);
    if (percent <= state.warnedPercent) continue;
    const windowStart = new Date(state.resetAt.getTime() - state.seconds * 1000);
    if (!(await claimWarning(db, apiWindowKey(state.name, caller.workspaceId), windowStart, percent))) continue;
    await insertAuditEntry(db, {
      workspaceId: caller.workspaceId,
      actor: 'cutover',
      actorTokenId: null,
      action: 'quota.warning',
      target: `workspace/${caller.workspaceId}`,
      requestId: c.get('requestId'),
      outcome: 'success',
      // The request that crossed the level was admitted.
      statusCode: 200,
      details: { quota: state.quota, percent, limit: state.limit, used: state.used, reset_at: state.resetAt.toISOString(), by: caller.actor },
    });
  }
}

/** 429 when the caller's workspace may not hold one more of each of `quotas` (checkHoldingQuotas); call it before creating. */
export async function assertQuotaRoom(deps: { db: Executor; quotas?: boolean; auth?: { sessions: { idleMs: number } } }, caller: Caller, ...quotas: HoldingQuota[]): Promise<void> {
  if (deps.quotas === false) return;
  const refusal = await checkHoldingQuotas(deps.db, caller.workspaceId, quotas, { idleMs: deps.auth?.sessions.idleMs });
  if (refusal) throw quotaExceeded(refusal);
}

import { createMiddleware } from 'hono/factory';
import type { Database } from '../../db/client.ts';
import { insertAuditEntry } from '../../db/repositories/audit.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Evaluations change nothing; POST only carries their context (OFREP mandates it). A row each would flood the log. */
const readsSentAsPost = /^\/api\/v1\/(?:features\/[^/]+\/(?:evaluate|preview)|flags\/[^/]+\/ofrep\/v1\/evaluate\/flags(?:\/[^/]+)?)$/;

/**
 * SDK telemetry (impressions and conversions for A/B results) changes no configuration; a provider sends a batch
 * every second, and a row for each would bury the log. The API-call quota meters it like any request.
 */
const telemetry = /^\/api\/v1\/features\/events$/;

/**
 * Writes one audit row for every mutating request, allowed or not, after the handler ran.
 * Handlers name the action with c.set('audit', ...); otherwise it is "<METHOD> <route>".
 */
export function auditMutations(db: Database) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (readOnly.has(c.req.method) || readsSentAsPost.test(c.req.path) || telemetry.test(c.req.path)) return;
    // A client past its API-call quota is refused before it does anything; a row for each refusal would let it
    // grow the audit log (and its storage) at full speed. The windows and the quota.warning events record it.
    if (c.error instanceof ApiError && c.error.code === 'quota_exceeded' && /^api_calls_per_/.test(String((c.error.details as { quota?: unknown } | undefined)?.quota))) return;
    const caller = c.get('caller');
    const note = c.get('audit');
    // A refusal records why (its code and details: the fields and rules, never the values sent).
    const refusal = c.error instanceof ApiError ? { code: c.error.code, ...(c.error.details === undefined ? {} : { details: c.error.details }) } : undefined;
    try {
      await insertAuditEntry(db, {
        workspaceId: caller?.workspaceId ?? null,
        actor: caller?.actor ?? 'anonymous',
        actorTokenId: caller?.tokenId ?? null,
        action: note?.action ?? `${c.req.method} ${c.req.routePath}`,
        target: note?.target ?? c.req.path,
        requestId: c.get('requestId'),
        outcome: c.res.status < 400 ? 'success' : 'failure',
        statusCode: c.res.status,
        details: refusal ? { ...note?.details, refusal } : note?.details,
      });
    } catch (error) {
      // The request already happened; losing its audit row must be loud.
      c.get('logger').error({ err: error }, 'failed to write the audit row');
    }
  });
}

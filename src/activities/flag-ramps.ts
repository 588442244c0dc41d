import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { insertAuditEntry } from '../db/repositories/audit.ts';
import { recordRampProgress, type FeatureRampStatus, type RampStepRecord } from '../db/repositories/feature-ramps.ts';
import { findFeature, findFeatureByKey, type FeatureRow } from '../db/repositories/features.ts';
import { features } from '../db/schema/index.ts';

/** Names one ramp of one flag; the environment is the flag's, checked again before every change. */
export interface RampRef {
  workspaceId: string;
  environment: string;
  featureId: string;
  rampId: string;
}

export const rampFailureTypes = {
  /** The flag was deleted, or moved out of the ramp's environment: nothing left to ramp. */
  flagGone: 'FlagGone',
  /** Someone else set the rollout or turned the flag off since the ramp's last step: the ramp stops, hands off. */
  flagChanged: 'FlagChanged',
} as const;

/** The activities of a flag ramp (src/workflows/flag-ramp.ts): change the rollout, record the progress. */
export function createFlagRampActivities(deps: { db: Database }) {
  return {
    /**
     * Sets the flag's rollout and state as a new version of the flag, with an audit row naming the ramp and who
     * started it. Connected SDKs see the change at once (the features trigger's NOTIFY). With `expected` (what the
     * ramp set last), a flag found elsewhere — someone set its rollout, or a release's rollback switched it off —
     * fails with FlagChanged and is left alone; finding `to` already set (a retry) changes nothing.
     */
    async setFlagRollout(
      input: RampRef & { to: { rolloutPct: number; enabled: boolean }; expected?: { rolloutPct: number; enabled: boolean }; by: string; why: string },
    ): Promise<{ version: number; changed: boolean }> {
      const row = await findFeature(deps.db, input.workspaceId, input.featureId);
      if (!row || row.environment !== input.environment) {
        throw ApplicationFailure.create({ type: rampFailureTypes.flagGone, message: `flag ${input.featureId} is no longer in ${input.environment}`, nonRetryable: true });
      }
      const now = { rolloutPct: (row.definition as { rollout_pct?: number }).rollout_pct ?? 0, enabled: row.enabled };
      const holds = (state: { rolloutPct: number; enabled: boolean }) => state.rolloutPct === now.rolloutPct && state.enabled === now.enabled;
      if (holds(input.to)) return { version: row.version, changed: false };
      if (input.expected && !holds(input.expected)) {
        throw ApplicationFailure.create({
          type: rampFailureTypes.flagChanged,
          message: `flag ${row.key} was changed outside the ramp (it is ${now.enabled ? `on at ${now.rolloutPct}%` : 'off'}, the ramp left it ${input.expected.enabled ? `on at ${input.expected.rolloutPct}%` : 'off'})`,
          nonRetryable: true,
        });
      }
      return setRollout(deps.db, row, input.to.rolloutPct, input.to.enabled, {
        actor: `ramp ${input.rampId} (started by ${input.by})`,
        requestId: `ramp/${input.rampId}`,
        details: { ramp_id: input.rampId, why: input.why },
      });
    },

    /**
     * A rolled-back release's kill switch: the flags its definition names (`killFlags`) go off (disabled, 0%) in its
     * environment — a ramp of one of them then stops at its next step (FlagChanged) — each as a new version with an audit row naming the release. A flag that does not exist is
     * reported, not an error: the rollback itself has happened.
     */
    async switchOffFlags(input: { workspaceId: string; environment: string; keys: string[]; deploymentId: string; reason: string }): Promise<{ off: string[]; missing: string[] }> {
      const off: string[] = [];
      const missing: string[] = [];
      for (const key of input.keys) {
        const row = await findFeatureByKey(deps.db, input.workspaceId, input.environment, key);
        if (!row) {
          missing.push(key);
          continue;
        }
        await setRollout(deps.db, row, 0, false, { actor: `release ${input.deploymentId} (rolled back)`, requestId: `deployment/${input.deploymentId}`, details: { deployment_id: input.deploymentId, why: input.reason } });
        off.push(key);
      }
      return { off, missing };
    },

    async recordRampProgress(input: { workspaceId: string; rampId: string; step?: RampStepRecord; status?: FeatureRampStatus; reason?: string | null; currentPct?: number }): Promise<void> {
      await recordRampProgress(deps.db, input.workspaceId, input.rampId, input);
    },
  };
}

/** Sets a flag's rollout and state as its next version, with an audit row; nothing when they hold already. */
async function setRollout(
  db: Database,
  row: FeatureRow,
  pct: number,
  enabled: boolean,
  audit: { actor: string; requestId: string; details: Record<string, unknown> },
): Promise<{ version: number; changed: boolean }> {
  const definition = row.definition as { rollout_pct?: number };
  if (definition.rollout_pct === pct && enabled === row.enabled) return { version: row.version, changed: false };
  const [updated] = await db
    .update(features)
    .set({ definition: { ...row.definition, rollout_pct: pct }, enabled, version: sql`${features.version} + 1`, updatedAt: new Date() })
    .where(and(eq(features.workspaceId, row.workspaceId), eq(features.id, row.id), eq(features.version, row.version)))
    .returning();
  // Someone saved the flag in between: Temporal retries the activity, which reads it again.
  if (!updated) throw new Error(`flag ${row.key} changed while its rollout was being set; trying again`);
  await insertAuditEntry(db, {
    workspaceId: row.workspaceId,
    actor: audit.actor,
    actorTokenId: null,
    action: 'feature.rollout',
    target: `feature/${row.id}`,
    requestId: audit.requestId,
    outcome: 'success',
    statusCode: 200,
    details: {
      ...audit.details,
      before: { rollout_pct: definition.rollout_pct ?? 0, enabled: row.enabled, version: row.version },
      after: { rollout_pct: pct, enabled, version: updated.version },
    },
  });
  return { version: updated.version, changed: true };
}

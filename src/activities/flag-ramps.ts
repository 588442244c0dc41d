import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { insertAuditEntry } from '../db/repositories/audit.ts';
import { recordRampProgress, type FeatureRampStatus, type RampStepRecord } from '../db/repositories/feature-ramps.ts';
import { findFeature } from '../db/repositories/features.ts';
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
} as const;

/** The activities of a flag ramp (src/workflows/flag-ramp.ts): change the rollout, record the progress. */
export function createFlagRampActivities(deps: { db: Database }) {
  return {
    /**
     * Sets the flag's rollout (enabling it when above 0) as a new version of the flag, with an audit row naming
     * the ramp and who started it. Idempotent: a retry finding the rollout already set changes nothing. Connected
     * SDKs see the change at once (the features trigger's NOTIFY).
     */
    async setFlagRollout(input: RampRef & { rolloutPct: number; by: string; why: string }): Promise<{ version: number; changed: boolean }> {
      const row = await findFeature(deps.db, input.workspaceId, input.featureId);
      if (!row || row.environment !== input.environment) {
        throw ApplicationFailure.create({ type: rampFailureTypes.flagGone, message: `flag ${input.featureId} is no longer in ${input.environment}`, nonRetryable: true });
      }
      const definition = row.definition as { rollout_pct?: number };
      const enabled = row.enabled || input.rolloutPct > 0;
      if (definition.rollout_pct === input.rolloutPct && enabled === row.enabled) return { version: row.version, changed: false };
      const [updated] = await deps.db
        .update(features)
        .set({ definition: { ...row.definition, rollout_pct: input.rolloutPct }, enabled, version: sql`${features.version} + 1`, updatedAt: new Date() })
        .where(and(eq(features.workspaceId, input.workspaceId), eq(features.id, input.featureId), eq(features.version, row.version)))
        .returning();
      // Someone saved the flag in between: read it again (Temporal retries the activity).
      if (!updated) throw new Error(`flag ${row.key} changed while the ramp set its rollout; trying again`);
      await insertAuditEntry(deps.db, {
        workspaceId: input.workspaceId,
        actor: `ramp ${input.rampId} (started by ${input.by})`,
        action: 'feature.ramp.rollout',
        target: `feature/${input.featureId}`,
        requestId: `ramp/${input.rampId}`,
        outcome: 'success',
        actorTokenId: null,
        statusCode: 200,
        details: {
          ramp_id: input.rampId,
          why: input.why,
          before: { rollout_pct: definition.rollout_pct ?? 0, enabled: row.enabled, version: row.version },
          after: { rollout_pct: input.rolloutPct, enabled, version: updated.version },
        },
      });
      return { version: updated.version, changed: true };
    },

    async recordRampProgress(input: { workspaceId: string; rampId: string; step?: RampStepRecord; status?: FeatureRampStatus; reason?: string | null; currentPct?: number }): Promise<void> {
      await recordRampProgress(deps.db, input.workspaceId, input.rampId, input);
    },
  };
}

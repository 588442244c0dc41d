import { sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { featureEvents } from '../schema/index.ts';

type NewFeatureEvent = typeof featureEvents.$inferInsert;

/** Stores a batch; an event id the workspace sent before is skipped. Answers how many were new. */
export async function insertFeatureEvents(db: Executor, events: NewFeatureEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = await db.insert(featureEvents).values(events).onConflictDoNothing().returning({ id: featureEvents.id });
  return rows.length;
}

export interface VariantExposure {
  variant: string;
  /** Subjects in the experiment first served this variant (and no other). */
  impressions: number;
  /** Of those, how many reached the metric after their first impression. */
  conversions: number;
}

type ExposureRow = { variant: string | null; impressions: number; conversions: number; outside: number };

export interface FlagExposures {
  variants: VariantExposure[];
  /** Subjects served more than one variant (a weight change, a rule change): left out of every count. */
  multipleExposures: number;
  /** Subjects whose first impression a rule or the default served (not the weighted split): not in the experiment. */
  outsideExperiment: number;
  /** Whether the environment has any conversion of the metric at all (a misspelt metric has none). */
  metricSeen: boolean;
}

/**
 * A flag's A/B sample, counted by subject: each subject once, in the variant it was served; in the experiment
 * when the weighted split served its first impression (reason SPLIT, or no reason sent) — a rule's or the
 * default's subjects were not randomized; converted when a `metric` conversion of theirs came at or after their
 * first impression (a conversion before it was not caused by the variant).
 */
export async function flagExposures(db: Executor, workspaceId: string, environment: string, featureKey: string, metric: string): Promise<FlagExposures> {
  const answer: unknown = await db.execute(sql`
    with exposures as (
      select subject, min(variant) as variant, count(distinct variant) as variants, min(occurred_at) as first_at,
             (array_agg(reason order by occurred_at))[1] as first_reason
      from feature_events
      where workspace_id = ${workspaceId} and environment = ${environment} and kind = 'impression' and feature_key = ${featureKey}
      group by subject
    ),
    placed as (
      select *, (first_reason is null or first_reason = 'SPLIT') as in_experiment from exposures
    )
    select case when e.variants = 1 then e.variant end as variant,
           (count(*) filter (where e.in_experiment))::int as impressions,
           (count(*) filter (where not e.in_experiment))::int as outside,
           (count(*) filter (where e.in_experiment and exists (
             select 1 from feature_events c
             where c.workspace_id = ${workspaceId} and c.environment = ${environment} and c.kind = 'conversion'
               and c.metric = ${metric} and c.subject = e.subject and c.occurred_at >= e.first_at
           )))::int as conversions
    from placed e
    group by 1
  `);
  const seen: unknown = await db.execute(sql`
    select exists (select 1 from feature_events where workspace_id = ${workspaceId} and environment = ${environment} and kind = 'conversion' and metric = ${metric}) as seen
  `);
  // postgres.js answers the rows themselves, PGlite an object holding them.
  const rows = <T>(result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
  const variants: VariantExposure[] = [];
  let multipleExposures = 0;
  let outsideExperiment = 0;
  for (const row of rows<ExposureRow>(answer)) {
    if (row.variant === null) {
      multipleExposures = Number(row.impressions) + Number(row.outside);
      continue;
    }
    outsideExperiment += Number(row.outside);
    variants.push({ variant: row.variant, impressions: Number(row.impressions), conversions: Number(row.conversions) });
  }
  return { variants, multipleExposures, outsideExperiment, metricSeen: Boolean(rows<{ seen: boolean }>(seen)[0]?.seen) };
}

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
  /** Subjects first served this variant (and no other). */
  impressions: number;
  /** Of those, how many reached the metric after their first impression. */
  conversions: number;
  /** Of `impressions`, those whose first impression the weighted split served: the sample-ratio check's sample. */
  split: number;
}

type ExposureRow = { variant: string | null; impressions: number; conversions: number; split: number };

export interface FlagExposures {
  variants: VariantExposure[];
  /** Subjects served more than one variant (a weight change, a rule change): left out of every count. */
  multipleExposures: number;
}

/**
 * A flag's A/B sample, counted by subject: each subject once, in the variant it was served, converted when a
 * `metric` conversion of theirs came at or after their first impression (a conversion before it was not caused by
 * the variant).
 */
export async function flagExposures(db: Executor, workspaceId: string, environment: string, featureKey: string, metric: string): Promise<FlagExposures> {
  const answer: unknown = await db.execute(sql`
    with exposures as (
      select subject, min(variant) as variant, count(distinct variant) as variants, min(occurred_at) as first_at,
             (array_agg(reason order by occurred_at))[1] as first_reason
      from feature_events
      where workspace_id = ${workspaceId} and environment = ${environment} and kind = 'impression' and feature_key = ${featureKey}
      group by subject
    )
    select case when e.variants = 1 then e.variant end as variant,
           count(*)::int as impressions,
           (count(*) filter (where e.first_reason = 'SPLIT'))::int as split,
           (count(*) filter (where exists (
             select 1 from feature_events c
             where c.workspace_id = ${workspaceId} and c.environment = ${environment} and c.kind = 'conversion'
               and c.metric = ${metric} and c.subject = e.subject and c.occurred_at >= e.first_at
           )))::int as conversions
    from exposures e
    group by 1
  `);
  // postgres.js answers the rows themselves, PGlite an object holding them.
  const list = (Array.isArray(answer) ? answer : (answer as { rows: unknown[] }).rows) as ExposureRow[];
  const variants: VariantExposure[] = [];
  let multipleExposures = 0;
  for (const row of list) {
    if (row.variant === null) multipleExposures = Number(row.impressions);
    else variants.push({ variant: row.variant, impressions: Number(row.impressions), conversions: Number(row.conversions), split: Number(row.split) });
  }
  return { variants, multipleExposures };
}

CREATE TABLE "feature_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"event_id" text NOT NULL,
	"kind" text NOT NULL,
	"feature_key" text,
	"variant" text,
	"reason" text,
	"subject" text NOT NULL,
	"metric" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feature_ramps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"feature_id" uuid NOT NULL,
	"feature_key" text NOT NULL,
	"workflow_id" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"plan" jsonb NOT NULL,
	"current_pct" integer NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "feature_events" ADD CONSTRAINT "feature_events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_ramps" ADD CONSTRAINT "feature_ramps_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "feature_events_workspace_event_unique" ON "feature_events" USING btree ("workspace_id","event_id");--> statement-breakpoint
CREATE INDEX "feature_events_impressions_idx" ON "feature_events" USING btree ("workspace_id","environment","feature_key","subject");--> statement-breakpoint
CREATE INDEX "feature_events_conversions_idx" ON "feature_events" USING btree ("workspace_id","environment","metric","subject");--> statement-breakpoint
CREATE INDEX "feature_ramps_feature_idx" ON "feature_ramps" USING btree ("workspace_id","feature_id");--> statement-breakpoint
CREATE UNIQUE INDEX "feature_ramps_one_active" ON "feature_ramps" USING btree ("feature_id") WHERE status in ('running', 'paused');--> statement-breakpoint
-- Tenant tables, under the row-level security of 0007 (the coverage test in row-level-security.test.ts checks it).
ALTER TABLE "feature_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "feature_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "feature_events" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "feature_events" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "feature_ramps" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "feature_ramps" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "feature_ramps" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "feature_ramps" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
-- Every change of a flag or a segment says which workspace environment changed, so connected SDKs (the flag
-- stream, src/flags/changes.ts) learn of it at once, whichever process (the API, a ramp's activity) made it.
CREATE FUNCTION "cutover_notify_flag_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  PERFORM pg_notify('cutover_flag_changes', changed.workspace_id::text || '/' || changed.environment);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "features_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "features"
  FOR EACH ROW EXECUTE FUNCTION "cutover_notify_flag_change"();--> statement-breakpoint
CREATE TRIGGER "feature_segments_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "feature_segments"
  FOR EACH ROW EXECUTE FUNCTION "cutover_notify_flag_change"();

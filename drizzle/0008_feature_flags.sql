CREATE TABLE "feature_segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"key" text NOT NULL,
	"conditions" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "features" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"definition" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "feature_segments" ADD CONSTRAINT "feature_segments_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "features" ADD CONSTRAINT "features_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "feature_segments_workspace_env_key_unique" ON "feature_segments" USING btree ("workspace_id","environment","key");--> statement-breakpoint
CREATE UNIQUE INDEX "features_workspace_env_key_unique" ON "features" USING btree ("workspace_id","environment","key");--> statement-breakpoint
CREATE INDEX "features_workspace_idx" ON "features" USING btree ("workspace_id");--> statement-breakpoint
-- Tenant tables, under the row-level security of 0007 (the coverage test in row-level-security.test.ts checks it).
ALTER TABLE "features" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "features" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "features" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "features" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "feature_segments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "feature_segments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "feature_segments" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "feature_segments" TO current_user USING (true) WITH CHECK (true);

CREATE TABLE "bindings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"target_id" uuid NOT NULL,
	"target_kind" text NOT NULL,
	"policy" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bound_namespaces" (
	"target_kind" text NOT NULL,
	"namespace" text NOT NULL,
	"binding_id" uuid NOT NULL,
	CONSTRAINT "bound_namespaces_target_kind_namespace_pk" PRIMARY KEY("target_kind","namespace")
);
--> statement-breakpoint
CREATE TABLE "targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "platform_admin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ops_jobs" ADD COLUMN "environment" text DEFAULT 'ops' NOT NULL;--> statement-breakpoint
ALTER TABLE "bindings" ADD CONSTRAINT "bindings_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bindings" ADD CONSTRAINT "bindings_target_id_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."targets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bound_namespaces" ADD CONSTRAINT "bound_namespaces_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bindings_workspace_env_kind_unique" ON "bindings" USING btree ("workspace_id","environment","target_kind");--> statement-breakpoint
CREATE INDEX "bindings_target_idx" ON "bindings" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "bound_namespaces_binding_idx" ON "bound_namespaces" USING btree ("binding_id");--> statement-breakpoint
CREATE UNIQUE INDEX "targets_name_unique" ON "targets" USING btree ("name");
--> statement-breakpoint
-- Backup hooks named a variable of the worker; now they name a database connection their binding grants.
UPDATE "services" SET "definition" = jsonb_set("definition" #- '{hooks,backup,databaseUrlEnv}', '{hooks,backup,database}', to_jsonb(lower(replace("definition"->'hooks'->'backup'->>'databaseUrlEnv', '_', '-')))) WHERE "definition" #> '{hooks,backup,databaseUrlEnv}' IS NOT NULL;
--> statement-breakpoint
-- Database backups dumped the platform's own database; now they name the connection, which a binding must grant.
UPDATE "ops_jobs" SET "workload" = "workload" || '{"database":"platform"}'::jsonb WHERE "workload"->>'type' = 'database-backup' AND NOT ("workload" ? 'database');

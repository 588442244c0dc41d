CREATE TYPE "public"."ops_run_status" AS ENUM('pending', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled');--> statement-breakpoint
CREATE TABLE "ops_job_log_lines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"seq" integer NOT NULL,
	"stream" text NOT NULL,
	"line" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ops_job_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"workflow_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" "ops_run_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"exit_code" integer,
	"error" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ops_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"cron" text NOT NULL,
	"time_zone" text,
	"overlap_policy" text DEFAULT 'skip' NOT NULL,
	"catchup_window_ms" integer NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"retry" jsonb NOT NULL,
	"timeout_ms" integer NOT NULL,
	"workload" jsonb NOT NULL,
	"schedule_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ops_job_log_lines" ADD CONSTRAINT "ops_job_log_lines_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops_job_log_lines" ADD CONSTRAINT "ops_job_log_lines_run_id_ops_job_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ops_job_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops_job_runs" ADD CONSTRAINT "ops_job_runs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops_job_runs" ADD CONSTRAINT "ops_job_runs_job_id_ops_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."ops_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops_jobs" ADD CONSTRAINT "ops_jobs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ops_job_log_lines_run_seq_unique" ON "ops_job_log_lines" USING btree ("run_id","attempt","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "ops_job_runs_workflow_unique" ON "ops_job_runs" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "ops_job_runs_job_created_idx" ON "ops_job_runs" USING btree ("job_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ops_jobs_workspace_name_unique" ON "ops_jobs" USING btree ("workspace_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "ops_jobs_schedule_unique" ON "ops_jobs" USING btree ("schedule_id");
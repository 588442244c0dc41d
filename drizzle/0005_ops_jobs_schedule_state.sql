ALTER TABLE "ops_jobs" ADD COLUMN "schedule_next_run" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ops_jobs" ADD COLUMN "schedule_paused" boolean;--> statement-breakpoint
ALTER TABLE "ops_jobs" ADD COLUMN "schedule_found" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "ops_jobs" ADD COLUMN "schedule_state_at" timestamp with time zone;
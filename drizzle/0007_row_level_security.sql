-- Row-level security as a tenant backstop: a query that forgets its workspace filter returns nothing of another
-- workspace. The app's connection role (the one that ran this migration and owns the tables) switches, per
-- transaction, to cutover_app, a role that owns nothing, and names its workspace with
-- set_config('cutover.workspace_id', <id>, true); see src/db/scope.ts. The same statements run on a Postgres
-- server and on PGlite (which has roles and row-level security like the server; its one user is a superuser).
--
-- Tenant tables (a workspace_id column; RLS on, forced): api_tokens, audit_log, bindings, deployment_events,
-- deployments, ops_job_log_lines, ops_job_runs, ops_jobs, services, workspace_members; and workspaces itself,
-- by its id.
-- Left without RLS, on purpose:
--   users, sessions   - a person belongs to several workspaces; sign-in and session lookups run before any
--                       workspace is known.
--   targets           - platform-wide, registered by a platform admin and shared by every workspace.
--   bound_namespaces  - a cross-workspace registry: its primary key makes one namespace belong to one binding
--                       of any workspace; reached through bindings (which is tenant-scoped) and has no workspace_id.
--   rate_windows      - counters keyed by text ("api-hour:<workspace>", "login-account:<email>"), some of which
--                       are counted before a workspace is known.
-- A new table with a workspace_id column must get the same four statements as below: the coverage test in
-- tests/integration/row-level-security.test.ts fails until it does.
--
-- Roles are shared by every database of a server (test databases, say), and two migrations may run at once:
-- creating the role tolerates both "exists already" and the unique violation of a concurrent creation.
DO $$
BEGIN
  CREATE ROLE cutover_app NOLOGIN;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;--> statement-breakpoint
-- SET ROLE needs membership unless the migrating role is a superuser (postgres, PGlite's user).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'cutover_app', 'MEMBER') THEN
    EXECUTE format('GRANT cutover_app TO %I', current_user);
  END IF;
EXCEPTION
  -- Since Postgres 16 granting a role needs its ADMIN OPTION: another role made cutover_app on this server.
  WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'role % may not switch to cutover_app: as a superuser, run GRANT cutover_app TO % (then migrate again)', current_user, current_user;
END
$$;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO cutover_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cutover_app;--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cutover_app;--> statement-breakpoint
-- Tables and sequences that later migrations (run by this same role) create.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cutover_app;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cutover_app;--> statement-breakpoint
-- Per tenant table: RLS on and forced (FORCE applies it to the table's owner too, so the owner gets a policy of
-- its own, owner_all, or every query of the unscoped app would return nothing); cutover_app sees and writes only
-- the rows of the workspace set for the transaction, none when none is set (nullif: '' once a local setting ended).
ALTER TABLE "workspaces" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "workspaces" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "workspaces" TO cutover_app
  USING ("id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "workspaces" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "api_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "api_tokens" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "api_tokens" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "audit_log" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "audit_log" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "bindings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "bindings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "bindings" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "bindings" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "deployment_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "deployment_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "deployment_events" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "deployment_events" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "deployments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "deployments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "deployments" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "deployments" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "ops_job_log_lines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ops_job_log_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ops_job_log_lines" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "ops_job_log_lines" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "ops_job_runs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ops_job_runs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ops_job_runs" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "ops_job_runs" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "ops_jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ops_jobs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ops_jobs" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "ops_jobs" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "services" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "services" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "services" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "services" TO current_user USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "workspace_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "workspace_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "workspace_members" TO cutover_app
  USING ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid)
  WITH CHECK ("workspace_id" = nullif(current_setting('cutover.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "owner_all" ON "workspace_members" TO current_user USING (true) WITH CHECK (true);

import { z } from 'zod';
import type { WorkspaceQuotas } from '../db/schema/index.ts';

/** The quotas a workspace has unless a platform admin set others: generous for one team, finite for a noisy one. */
export const defaultQuotas: Required<WorkspaceQuotas> = {
  apiCallsPerHour: 36_000,
  apiCallsPerDay: 500_000,
  storageGb: 10,
  concurrentUsers: 50,
  services: 200,
  concurrentReleases: 20,
  opsJobs: 100,
  featureFlags: 500,
};

/** Below these a workspace could not work at all (a dashboard alone polls more than 100 calls an hour). */
export const minimumQuotas: Required<WorkspaceQuotas> = {
  apiCallsPerHour: 100,
  apiCallsPerDay: 1_000,
  storageGb: 1,
  concurrentUsers: 1,
  services: 1,
  concurrentReleases: 1,
  opsJobs: 0,
  featureFlags: 0,
};

const quota = (key: keyof WorkspaceQuotas) =>
  z
    .number()
    .int()
    .min(minimumQuotas[key], { message: `at least ${minimumQuotas[key]}` })
    .max(1_000_000_000);

/** PUT /workspaces/{id}/quotas and POST /workspaces: every key optional (omitted: the platform default). */
export const workspaceQuotasSchema = z
  .object({
    api_calls_per_hour: quota('apiCallsPerHour').optional(),
    api_calls_per_day: quota('apiCallsPerDay').optional(),
    storage_gb: quota('storageGb').optional(),
    concurrent_users: quota('concurrentUsers').optional(),
    services: quota('services').optional(),
    concurrent_releases: quota('concurrentReleases').optional(),
    ops_jobs: quota('opsJobs').optional(),
    feature_flags: quota('featureFlags').optional(),
  })
  .strict();
export type WorkspaceQuotasBody = z.infer<typeof workspaceQuotasSchema>;

/** The API's snake_case body to the stored camelCase quotas. */
export function quotasFromBody(body: WorkspaceQuotasBody): WorkspaceQuotas {
  const stored: WorkspaceQuotas = {
    apiCallsPerHour: body.api_calls_per_hour,
    apiCallsPerDay: body.api_calls_per_day,
    storageGb: body.storage_gb,
    concurrentUsers: body.concurrent_users,
    services: body.services,
    concurrentReleases: body.concurrent_releases,
    opsJobs: body.ops_jobs,
    featureFlags: body.feature_flags,
  };
  return Object.fromEntries(Object.entries(stored).filter(([, value]) => value !== undefined));
}

/** The stored camelCase quotas to the API's snake_case, keeping only the keys set. */
export function quotasToBody(stored: WorkspaceQuotas): WorkspaceQuotasBody {
  const body: WorkspaceQuotasBody = {
    api_calls_per_hour: stored.apiCallsPerHour,
    api_calls_per_day: stored.apiCallsPerDay,
    storage_gb: stored.storageGb,
    concurrent_users: stored.concurrentUsers,
    services: stored.services,
    concurrent_releases: stored.concurrentReleases,
    ops_jobs: stored.opsJobs,
    feature_flags: stored.featureFlags,
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** The quotas in force: the workspace's own over the defaults, in the API's snake_case. */
export function effectiveQuotas(stored: WorkspaceQuotas): Required<WorkspaceQuotasBody> {
  return quotasToBody({ ...defaultQuotas, ...stored }) as Required<WorkspaceQuotasBody>;
}

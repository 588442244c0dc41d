import { z } from 'zod';
import { overlapPolicies, type StoredRetryPolicy } from '../db/schema/index.ts';
import { parseCron } from './cron.ts';
import { absolutePathSchema, connectionNameSchema } from '../bindings/policy.ts';

/**
 * What an operations job runs, as the API takes it and the database stores it (snake_case JSON).
 * One discriminated union: the worker picks the runner by `type` from a registry (src/ops/workloads/).
 */

/** DNS-label names: a job name and a namespace end up in Kubernetes object names. */
export const jobNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and "-", starting and ending alphanumeric');
const command = z.array(z.string().min(1).max(8192)).min(1).max(256);
const env = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string().max(8192))
  .refine((value) => Object.keys(value).length <= 100, 'at most 100 variables');

/** A command on the worker's machine, for single-machine setups. Runs with the worker's rights. */
export const localWorkloadSchema = z
  .object({
    type: z.literal('local'),
    command,
    env: env.optional(),
    cwd: absolutePathSchema.optional(),
  })
  .strict();

/** A Kubernetes Job in a namespace of the cluster the worker can reach. */
export const kubernetesWorkloadSchema = z
  .object({
    type: z.literal('kubernetes'),
    namespace: jobNameSchema,
    image: z.string().min(1).max(512),
    command,
    env: env.optional(),
    service_account: jobNameSchema.optional(),
  })
  .strict();

/** Built in: pg_dump of a database the job's binding grants, into a granted folder on the worker, keeping the newest `keep` dumps. */
export const databaseBackupWorkloadSchema = z
  .object({
    type: z.literal('database-backup'),
    /** A database connection the binding grants, by name. */
    database: connectionNameSchema,
    directory: absolutePathSchema,
    keep: z.number().int().min(1).max(1000).default(7),
  })
  .strict();

/** Built in: deletes this workspace's finished deployment records older than `older_than_days`. */
export const cleanupDeploymentsWorkloadSchema = z
  .object({
    type: z.literal('cleanup-deployments'),
    older_than_days: z.number().int().min(1).max(3650).default(90),
  })
  .strict();

export const workloadSchema = z.discriminatedUnion('type', [
  localWorkloadSchema,
  kubernetesWorkloadSchema,
  databaseBackupWorkloadSchema,
  cleanupDeploymentsWorkloadSchema,
]);
export type Workload = z.infer<typeof workloadSchema>;
export type WorkloadType = Workload['type'];

export const scheduleSchema = z
  .object({
    /** Five fields, or @daily and friends. */
    cron: z.string().min(1).max(200),
    /** IANA zone; UTC when absent. */
    time_zone: z.string().min(1).max(64).nullable().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const parsed = parseCron(value.cron, value.time_zone);
    if (!parsed.ok) {
      const path = parsed.reason.startsWith('unknown time zone') ? ['time_zone'] : ['cron'];
      ctx.addIssue({ code: 'custom', path, message: parsed.reason });
    }
  });

export const retrySchema = z
  .object({
    maximum_attempts: z.number().int().min(1).max(20),
    initial_interval_ms: z.number().int().min(100).max(3_600_000),
    backoff_coefficient: z.number().min(1).max(10),
    maximum_interval_ms: z.number().int().min(100).max(86_400_000),
  })
  .strict();

export const policySchema = z
  .object({
    overlap: z.enum(overlapPolicies),
    /** How late a missed run may still start (after an outage); Temporal's minimum is 10 s. */
    catchup_window_ms: z.number().int().min(10_000).max(7 * 86_400_000),
    retry: retrySchema.partial(),
    /** Per attempt. */
    timeout_ms: z.number().int().min(1000).max(86_400_000),
  })
  .strict();

export const defaultPolicy = {
  overlap: 'skip',
  catchup_window_ms: 60_000,
  retry: { maximum_attempts: 1, initial_interval_ms: 1000, backoff_coefficient: 2, maximum_interval_ms: 60_000 },
  timeout_ms: 3_600_000,
} as const;

export type PolicyInput = z.infer<typeof policySchema>;

/** A job's policy as the database stores it. */
export interface StoredPolicy {
  overlapPolicy: PolicyInput['overlap'];
  catchupWindowMs: number;
  retry: StoredRetryPolicy;
  timeoutMs: number;
}

const storedDefaults: StoredPolicy = {
  overlapPolicy: defaultPolicy.overlap,
  catchupWindowMs: defaultPolicy.catchup_window_ms,
  retry: {
    maximumAttempts: defaultPolicy.retry.maximum_attempts,
    initialIntervalMs: defaultPolicy.retry.initial_interval_ms,
    backoffCoefficient: defaultPolicy.retry.backoff_coefficient,
    maximumIntervalMs: defaultPolicy.retry.maximum_interval_ms,
  },
  timeoutMs: defaultPolicy.timeout_ms,
};

/** Fills a partial policy from the current one (or the defaults), in the stored shape. */
export function mergePolicy(patch: Partial<PolicyInput> | undefined, current: StoredPolicy = storedDefaults): StoredPolicy {
  const retry = patch?.retry ?? {};
  return {
    overlapPolicy: patch?.overlap ?? current.overlapPolicy,
    catchupWindowMs: patch?.catchup_window_ms ?? current.catchupWindowMs,
    retry: {
      maximumAttempts: retry.maximum_attempts ?? current.retry.maximumAttempts,
      initialIntervalMs: retry.initial_interval_ms ?? current.retry.initialIntervalMs,
      backoffCoefficient: retry.backoff_coefficient ?? current.retry.backoffCoefficient,
      maximumIntervalMs: retry.maximum_interval_ms ?? current.retry.maximumIntervalMs,
    },
    timeoutMs: patch?.timeout_ms ?? current.timeoutMs,
  };
}

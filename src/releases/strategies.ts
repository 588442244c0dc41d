import { z } from '@hono/zod-openapi';
import type { ServiceDefinition } from '../services/definition.ts';
import type { BlueGreenInput } from '../workflows/blue-green.ts';
import type { DryRunInput } from '../workflows/dry-run.ts';
import { releaseTimings } from '../workflows/lib/release-timings.ts';
import type { ReleaseRequest, ReleaseWorkflow } from './start-release.ts';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** Options of a blue-green release; every duration has a production default. */
export const blueGreenOptionsSchema = z
  .object({
    /** Ask for approval even outside production. */
    requireApproval: z.boolean().optional(),
    timings: z
      .object({
        rolloutTimeoutMs: ms(1_000, 3_600_000),
        rolloutPollMs: ms(100, 60_000),
        approvalTimeoutMs: ms(1_000, 7 * 86_400_000),
        monitorDurationMs: ms(0, 86_400_000),
        monitorIntervalMs: ms(100, 600_000),
        failureThreshold: z.number().int().min(1).max(100),
        retentionMs: ms(0, 30 * 86_400_000),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict()
  .openapi('BlueGreenOptions');
export type BlueGreenOptions = z.infer<typeof blueGreenOptionsSchema>;

/** Environments whose releases always wait for a person's approval. */
export function isProduction(environment: string): boolean {
  return environment === 'production' || environment === 'prod';
}

export function dryRunRelease(request: ReleaseRequest): ReleaseWorkflow {
  return (deploymentId) => {
    const input: DryRunInput = { workspaceId: request.workspaceId, deploymentId, ...pick(request) };
    return { workflowType: 'dryRunWorkflow', args: [input] };
  };
}

export function blueGreenRelease(
  request: ReleaseRequest & { image: string },
  definition: ServiceDefinition,
  options: BlueGreenOptions,
): ReleaseWorkflow {
  return (deploymentId) => {
    const input: BlueGreenInput = {
      workspaceId: request.workspaceId,
      deploymentId,
      ...pick(request),
      image: request.image,
      definition: withBackupDefault(definition, request.environment),
      requireApproval: isProduction(request.environment) || options.requireApproval === true,
      timings: releaseTimings(options.timings),
    };
    return { workflowType: 'blueGreenWorkflow', args: [input] };
  };
}

/** The backup hook runs by default in production only; an explicit `enabled` wins. */
export function withBackupDefault(definition: ServiceDefinition, environment: string): ServiceDefinition {
  const backup = definition.hooks?.backup;
  if (!backup || backup.enabled !== undefined) return definition;
  return { ...definition, hooks: { ...definition.hooks, backup: { ...backup, enabled: isProduction(environment) } } };
}

function pick(request: ReleaseRequest) {
  return { service: request.service, environment: request.environment, version: request.version };
}

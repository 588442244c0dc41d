import { z } from '@hono/zod-openapi';
import type { Deployment, DeploymentEvent } from '../../db/repositories/deployments.ts';
import { deploymentStatuses, eventStatuses } from '../../db/schema/index.ts';
import { maskText, maskTextDeep } from '../../services/mask.ts';

export const deploymentSchema = z
  .object({
    id: z.uuid(),
    service: z.string(),
    environment: z.string(),
    version: z.string(),
    image: z.string().nullable(),
    strategy: z.string(),
    status: z.enum(deploymentStatuses),
    reason: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    workflow_id: z.string(),
    web_ui_url: z.string(),
  })
  .openapi('Deployment');

export const deploymentStepSchema = z
  .object({
    step: z.string(),
    status: z.enum(eventStatuses),
    message: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
  })
  .openapi('DeploymentStep');

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** Where the Temporal Web UI shows this deployment's run (its latest run while the run id is unknown). */
export function webUiUrl(base: string, namespace: string, workflowId: string, runId?: string | null): string {
  const workflow = `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${workflow}/${encodeURIComponent(runId)}/history` : workflow;
}

// Options are not in a deployment's body; reasons, messages and details are error text that may quote a URL with
// credentials or a failed query's parameters, so they are masked like definitions are.
export function toDeploymentBody(row: Deployment, ui: { base: string; namespace: string }): z.infer<typeof deploymentSchema> {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    version: row.version,
    image: row.image,
    strategy: row.strategy,
    status: row.status,
    reason: row.reason === null ? null : maskText(row.reason),
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    workflow_id: row.workflowId,
    web_ui_url: webUiUrl(ui.base, ui.namespace, row.workflowId, row.runId),
  };
}

export function toStepBody(event: DeploymentEvent): z.infer<typeof deploymentStepSchema> {
  return {
    step: event.step,
    status: event.status,
    message: event.message === null ? null : maskText(event.message),
    details: event.details === null ? null : maskTextDeep(event.details),
    started_at: iso(event.startedAt),
    ended_at: iso(event.endedAt),
    duration_ms: event.startedAt && event.endedAt ? event.endedAt.getTime() - event.startedAt.getTime() : null,
  };
}

/** Opaque keyset cursor: the last row's createdAt and id. */
export function encodeCursor(row: Deployment): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !z.uuid().safeParse(id).success) return undefined;
  return { createdAt, id };
}

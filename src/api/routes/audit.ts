import { createRoute, z } from '@hono/zod-openapi';
import { listAuditEntries, type AuditEntry } from '../../db/repositories/audit.ts';
import { auditOutcomes } from '../../db/schema/index.ts';
import type { ApiDeps } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';

export const auditEntrySchema = z
  .object({
    id: z.uuid(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    request_id: z.string(),
    outcome: z.enum(auditOutcomes),
    status_code: z.number().int(),
    details: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
  })
  .openapi('AuditEntry');

const listAuditRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "This workspace's audit log, newest first",
  security: [{ bearer: [] }],
  middleware: [requireRole('admin')] as const,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  responses: {
    200: { description: 'Entries', content: { 'application/json': { schema: z.object({ items: z.array(auditEntrySchema) }) } } },
    ...errorResponses(401, 403, 422),
  },
});

/** An audit row as the API answers it. */
export function toAuditBody(row: AuditEntry): z.infer<typeof auditEntrySchema> {
  return {
    id: row.id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    request_id: row.requestId,
    outcome: row.outcome,
    status_code: row.statusCode,
    details: row.details ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export function auditRoutes(deps: ApiDeps) {
  return createRouter().openapi(listAuditRoute, async (c) => {
    const { limit } = c.req.valid('query');
    const rows = await listAuditEntries(deps.db, callerOf(c).workspaceId, limit);
    return c.json(
      {
        items: rows.map(toAuditBody),
      },
      200,
    );
  });
}

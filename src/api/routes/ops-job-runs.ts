import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Database } from '../../db/client.ts';
import { activeRunStatuses, findRun, listLogLines, listRuns, type LogFilter } from '../../db/repositories/ops-job-runs.ts';
import { findOpsJob } from '../../db/repositories/ops-jobs.ts';
import { logStreams } from '../../db/schema/index.ts';
import { reconcileRuns } from '../../ops/runs.ts';
import type { ApiDeps, AppEnv } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { opsLogLineSchema, opsRunSchema, toLogLineBody, toRunBody } from '../serializers/ops-jobs.ts';
import { json, security } from './ops-jobs-shared.ts';

/** How often a live tail looks for new lines. */
const tailPollMs = 200;
/** A comment line this often keeps proxies from closing a quiet stream. */
const keepAliveMs = 15_000;

const runParams = idParamSchema.extend({ run_id: z.uuid().openapi({ param: { name: 'run_id', in: 'path' } }) });

const listRunsRoute = createRoute({
  method: 'get',
  path: '/{id}/runs',
  summary: "A job's runs, newest first",
  security,
  request: { params: idParamSchema, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: {
    200: { description: 'Runs', ...json(z.object({ items: z.array(opsRunSchema) })) },
    ...errorResponses(401, 404, 422),
  },
});

const logsRoute = createRoute({
  method: 'get',
  path: '/{id}/runs/{run_id}/logs',
  summary: "Search a run's log; with Accept: text/event-stream, follow it live until the run ends",
  description:
    'Server-sent events: `line` (data: a log line, id: its id; send Last-Event-ID to resume) and, when the run ' +
    'has ended and every line was sent, `end` (data: the run).',
  security,
  request: {
    params: runParams,
    query: z.object({
      q: z.string().min(1).max(200).optional(),
      stream: z.enum(logStreams).optional(),
      after: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(5000).default(1000),
    }),
  },
  responses: {
    200: {
      description: 'Log lines in the order they were written',
      content: {
        'application/json': { schema: z.object({ items: z.array(opsLogLineSchema), next_after: z.number().int().nullable() }) },
        'text/event-stream': { schema: z.string() },
      },
    },
    ...errorResponses(401, 404, 422),
  },
});

export function opsJobRunRoutes(deps: ApiDeps) {
  const requireJob = async (workspaceId: string, id: string) => {
    const job = await findOpsJob(deps.db, workspaceId, id);
    if (!job) throw ApiError.notFound(`ops job ${id}`);
    return job;
  };
  return createRouter()
    .openapi(listRunsRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { workspaceId } = callerOf(c);
      await requireJob(workspaceId, id);
      await reconcileRuns(deps, workspaceId, id);
      const runs = await listRuns(deps.db, workspaceId, id, c.req.valid('query').limit);
      return c.json({ items: runs.map(toRunBody) }, 200);
    })
    .openapi(logsRoute, async (c) => {
      const { id, run_id: runId } = c.req.valid('param');
      const query = c.req.valid('query');
      const { workspaceId } = callerOf(c);
      await requireJob(workspaceId, id);
      const run = await findRun(deps.db, workspaceId, id, runId);
      if (!run) throw ApiError.notFound(`run ${runId}`);
      const filter: LogFilter = { q: query.q, stream: query.stream, afterId: query.after, limit: query.limit };
      if (c.req.header('accept')?.includes('text/event-stream')) {
        const lastEventId = Number(c.req.header('last-event-id'));
        if (Number.isInteger(lastEventId) && lastEventId >= 0) filter.afterId = lastEventId;
        return tailLog(c, deps.db, { workspaceId, jobId: id, runId }, filter);
      }
      const lines = await listLogLines(deps.db, workspaceId, runId, filter);
      const last = lines.length === query.limit ? lines.at(-1) : undefined;
      return c.json({ items: lines.map(toLogLineBody), next_after: last?.id ?? null }, 200);
    });
}

/**
 * Sends the lines written so far, then new ones as the workload writes them (polling Postgres), and an `end`
 * event once the run has an outcome and its last lines were sent. Stops when the client goes away.
 */
function tailLog(
  c: Context<AppEnv>,
  db: Database,
  target: { workspaceId: string; jobId: string; runId: string },
  filter: LogFilter,
): Response {
  return streamSSE(c, async (stream) => {
    let afterId = filter.afterId;
    let lastWrite = Date.now();
    while (!stream.aborted) {
      // Read the run first: lines written before it ended are then certain to be in the next read.
      const run = await findRun(db, target.workspaceId, target.jobId, target.runId);
      const lines = await listLogLines(db, target.workspaceId, target.runId, { ...filter, afterId });
      for (const line of lines) {
        await stream.writeSSE({ event: 'line', id: String(line.id), data: JSON.stringify(toLogLineBody(line)) });
        afterId = line.id;
        lastWrite = Date.now();
      }
      if (lines.length === filter.limit) continue;
      if (!run || !activeRunStatuses.includes(run.status)) {
        await stream.writeSSE({ event: 'end', data: JSON.stringify(run ? toRunBody(run) : null) });
        return;
      }
      if (Date.now() - lastWrite > keepAliveMs) {
        await keepAlive(stream);
        lastWrite = Date.now();
      }
      await stream.sleep(tailPollMs);
    }
  });
}

async function keepAlive(stream: SSEStreamingApi): Promise<void> {
  await stream.write(': keep-alive\n\n');
}

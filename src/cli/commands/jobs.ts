import type { Command } from 'commander';
import { call, apiError, unreachable, type Connection } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { readEventStream } from '../live/sse.ts';
import { formatDuration, line, printJson, printList } from '../output.ts';
import { isDeploymentId as isUuid } from '../resolve.ts';

/** A job named by its id or by its name. */
async function jobId(connection: Connection, target: string): Promise<string> {
  if (isUuid(target)) return target;
  const page = await call(connection, () => connection.api.GET('/ops/jobs'));
  const job = page.items.find((item) => item.name === target);
  if (!job) throw new CliError(`no ops job named ${target}`, exitCodes.api);
  return job.id;
}

/** Follows a run's log live (SSE) until the run ends; the exit code is 0 when it succeeded, 1 otherwise. */
async function followLog(connection: Connection, ctx: CliContext, command: Command, id: string, runId: string): Promise<void> {
  const output = ctx.output(command);
  let response: Response;
  try {
    response = await fetch(`${connection.base}/ops/jobs/${id}/runs/${runId}/logs`, {
      headers: { authorization: `Bearer ${connection.config.token}`, accept: 'text/event-stream' },
    });
  } catch (error) {
    throw unreachable(connection.config.url, error);
  }
  if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
  for await (const event of readEventStream(response)) {
    const data = JSON.parse(event.data) as { line?: string; stream?: string; status?: string } | null;
    if (output.json) printJson(output, { type: event.event, data });
    else if (event.event === 'line' && data) line(output, data.stream === 'stderr' ? `[stderr] ${data.line}` : (data.line ?? ''));
    if (event.event === 'end') {
      if (!output.json) line(output, `run ${runId} ${data?.status ?? 'ended'}`);
      ctx.exitCode = data?.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
    }
  }
}

/** `cutover jobs`: list, trigger, runs, logs [-f]. */
export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('operations jobs: list, trigger, runs, logs');
  jobs
    .command('list', { isDefault: true })
    .description('the jobs with their next and last runs')
    .action(async (_options: unknown, command: Command) => {
      const connection = ctx.connection();
      const page = await call(connection, () => connection.api.GET('/ops/jobs'));
      printList(
        ctx.output(command),
        page,
        ['NAME', 'ENVIRONMENT', 'STATUS', 'NEXT RUN', 'LAST RUN', 'ID'],
        page.items.map((job) => [job.name, job.environment, job.status, job.next_run, job.last_run ? `${job.last_run.status} ${job.last_run.started_at ?? ''}` : null, job.id]),
      );
    });
  jobs
    .command('trigger <job>')
    .description('start a run now')
    .action(async (target: string, _options: unknown, command: Command) => {
      const connection = ctx.connection();
      const id = await jobId(connection, target);
      const run = await call(connection, () => connection.api.POST('/ops/jobs/{id}/trigger', { params: { path: { id } }, body: { confirm: true } }));
      const output = ctx.output(command);
      if (output.json) printJson(output, run);
      else line(output, `started run ${run.run_id}; follow it: cutover jobs logs ${target} ${run.run_id} -f`);
    });
  jobs
    .command('runs <job>')
    .description("a job's runs, newest first")
    .option('--limit <n>', 'how many', '20')
    .action(async (target: string, options: { limit: string }, command: Command) => {
      const connection = ctx.connection();
      const id = await jobId(connection, target);
      const page = await call(connection, () => connection.api.GET('/ops/jobs/{id}/runs', { params: { path: { id }, query: { limit: Number(options.limit) } } }));
      printList(
        ctx.output(command),
        page,
        ['RUN', 'STATUS', 'TRIGGER', 'STARTED', 'DURATION', 'EXIT'],
        page.items.flatMap((run) => (run ? [run] : [])).map((run) => [run.id, run.status, run.trigger, run.started_at, formatDuration(run.duration_ms), run.exit_code]),
      );
    });
  jobs
    .command('logs <job> [run]')
    .description("a run's log (default: the newest run); -f follows it until the run ends")
    .option('-f, --follow', 'follow the log live')
    .action(async (target: string, run: string | undefined, options: { follow?: boolean }, command: Command) => {
      const connection = ctx.connection();
      const id = await jobId(connection, target);
      const runId = run ?? (await call(connection, () => connection.api.GET('/ops/jobs/{id}/runs', { params: { path: { id }, query: { limit: 1 } } }))).items[0]?.id;
      if (!runId) throw new CliError(`${target} has no runs yet`, exitCodes.api);
      if (options.follow) return followLog(connection, ctx, command, id, runId);
      // The route answers JSON here (no Accept: text/event-stream); its other content type widens the type.
      const page = (await call(connection, () =>
        connection.api.GET('/ops/jobs/{id}/runs/{run_id}/logs', { params: { path: { id, run_id: runId }, query: {} } }),
      )) as { items: { stream: string; line: string }[] };
      const output = ctx.output(command);
      if (output.json) return printJson(output, page);
      for (const item of page.items) line(output, item.stream === 'stderr' ? `[stderr] ${item.line}` : item.line);
    });
}

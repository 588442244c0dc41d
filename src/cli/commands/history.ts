import type { Command } from 'commander';
import { call } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { formatDuration, printList } from '../output.ts';

/** `cutover history SERVICE --env E`: the release timeline, newest first. */
export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command('history <service>')
    .description("a service's releases in an environment, newest first")
    .requiredOption('-e, --env <environment>', 'the environment')
    .option('--limit <n>', 'how many (1–100)', '20')
    .action(async (service: string, options: { env: string; limit: string }, command: Command) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new CliError('--limit takes a whole number from 1 to 100', exitCodes.usage);
      const connection = ctx.connection();
      const page = await call(connection, () =>
        connection.api.GET('/services/{name}/history', { params: { path: { name: service }, query: { environment: options.env, limit } } }),
      );
      printList(
        ctx.output(command),
        page,
        ['VERSION', 'STRATEGY', 'STATUS', 'STARTED', 'DURATION', 'WHO', 'DEPLOYMENT'],
        page.items.map((item) => [item.version, item.strategy, item.status, item.started_at, formatDuration(item.duration_ms), item.who, item.deployment_id]),
      );
    });
}

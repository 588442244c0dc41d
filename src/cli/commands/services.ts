import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { call } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { line, printJson, printList } from '../output.ts';

type ServiceItem = { name: string; environment: string; definition: { target?: string; image?: string }; updated_at: string };

const rows = (items: ServiceItem[]) => items.map((s) => [s.name, s.environment, s.definition.target ?? 'kubernetes', s.definition.image, s.updated_at]);
const header = ['NAME', 'ENVIRONMENT', 'TARGET', 'IMAGE', 'UPDATED'];

/** Reads `{ name, environment, definition }` from a JSON file (`-` for stdin); --name / --env fill in or override. */
function readRegistration(file: string, overrides: { name?: string; env?: string }) {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot read ${file} as JSON: ${(error as Error).message}`, exitCodes.usage, { cause: error });
  }
  // A file holding only the definition is fine too, with --name and --env.
  const definition = 'definition' in parsed ? parsed.definition : parsed;
  const name = overrides.name ?? (parsed.name as string | undefined);
  const environment = overrides.env ?? (parsed.environment as string | undefined);
  if (!name || !environment) throw new CliError('the file names no service or environment: give --name and --env', exitCodes.usage);
  return { name, environment, definition };
}

export function registerServices(program: Command, ctx: CliContext): void {
  const services = program.command('services').description('service definitions: list, get, register');

  services
    .command('list', { isDefault: true })
    .description('the services, per environment')
    .option('-e, --env <environment>', 'only this environment')
    .action(async (options: { env?: string }, command: Command) => {
      const connection = ctx.connection();
      const page = await call(connection, () => connection.api.GET('/services', { params: { query: { environment: options.env } } }));
      printList(ctx.output(command), page, header, rows(page.items));
    });

  services
    .command('get <name>')
    .description("a service's definitions (secrets masked)")
    .option('-e, --env <environment>', 'only this environment')
    .action(async (name: string, options: { env?: string }, command: Command) => {
      const connection = ctx.connection();
      const page = await call(connection, () =>
        connection.api.GET('/services/{name}', { params: { path: { name }, query: { environment: options.env } } }),
      );
      const output = ctx.output(command);
      if (output.json) return printJson(output, page);
      for (const item of page.items) {
        line(output, `${item.name} in ${item.environment} (updated ${item.updated_at})`);
        line(output, JSON.stringify(item.definition, null, 2));
      }
    });

  services
    .command('register <file>')
    .description('register a service from a JSON file: { "name", "environment", "definition" } (or only the definition, with --name and --env)')
    .option('--name <name>', 'the service name')
    .option('-e, --env <environment>', 'the environment')
    .option('--replace', 'replace the definition when the service exists (PUT)')
    .action(async (file: string, options: { name?: string; env?: string; replace?: boolean }, command: Command) => {
      const body = readRegistration(file, options);
      const connection = ctx.connection();
      const definition = body.definition as never;
      const saved = options.replace
        ? await call(connection, () =>
            connection.api.PUT('/services/{name}', { params: { path: { name: body.name } }, body: { environment: body.environment, definition } }),
          )
        : await call(connection, () => connection.api.POST('/services', { body: { name: body.name, environment: body.environment, definition } }));
      const output = ctx.output(command);
      if (output.json) printJson(output, saved);
      else line(output, `${options.replace ? 'replaced' : 'registered'} ${body.name} in ${body.environment}`);
    });
}

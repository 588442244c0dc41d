import type { Command } from 'commander';
import { apiBase, createApiClient } from '../../api-client/index.ts';
import { call, type Connection } from '../client.ts';
import { configPath, removeConfig, saveConfig } from '../config.ts';
import type { CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { line, printJson } from '../output.ts';
import { readSecret } from '../prompt.ts';

/** `cutover login`: checks the token against the API, then keeps URL and token in the config file (0600). */
export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description('keep the API URL and a token in ~/.config/cutover/config.json (0600); CUTOVER_URL / CUTOVER_TOKEN override it')
    .option('--url <url>', 'the API, e.g. http://localhost:8080', ctx.env.CUTOVER_URL)
    .option('--token <token>', 'an API token (read from the terminal, or stdin, when not given)')
    .action(async (options: { url?: string; token?: string }, command: Command) => {
      const output = ctx.output(command);
      if (!options.url) throw new CliError('login needs --url (or CUTOVER_URL)', exitCodes.usage);
      const token = options.token ?? ctx.env.CUTOVER_TOKEN ?? (await readSecret('token: '));
      if (!token) throw new CliError('login needs a token (--token, CUTOVER_TOKEN or stdin)', exitCodes.usage);
      const connection: Connection = {
        api: createApiClient({ baseUrl: options.url, token }),
        config: { url: options.url, token },
        base: apiBase(options.url),
      };
      // Any authenticated read proves the token; bindings are readable by every role.
      await call(connection, () => connection.api.GET('/bindings'));
      const file = saveConfig({ url: options.url, token }, ctx.env);
      if (output.json) printJson(output, { url: options.url, config: file });
      else line(output, `logged in to ${options.url}; saved in ${file}`);
    });

  program
    .command('logout')
    .description('forget the saved URL and token')
    .action((_options: unknown, command: Command) => {
      const removed = removeConfig(ctx.env);
      const output = ctx.output(command);
      if (output.json) printJson(output, { removed, config: configPath(ctx.env) });
      else line(output, removed ? `removed ${configPath(ctx.env)}` : 'not logged in');
    });
}

import { Option, type Command } from 'commander';
import { call } from '../client.ts';
import { requireEnv, type CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { line, printJson } from '../output.ts';
import { typedConfirmation } from './decide.ts';

/** `30/70` → blue 30, green 70. */
export function parseSplit(text: string): { blue: number; green: number } {
  const match = /^(\d{1,3})\/(\d{1,3})$/.exec(text.trim());
  const blue = Number(match?.[1]);
  const green = Number(match?.[2]);
  if (!match || blue + green !== 100) throw new CliError(`a split is BLUE/GREEN in whole percent summing to 100, e.g. 30/70 (got ${text})`, exitCodes.usage);
  return { blue, green };
}

/** `switch` (all traffic to a warm colour) and `traffic` (read or set the split), outside a release. */
export function registerTraffic(program: Command, ctx: CliContext): void {
  program
    .command('switch <service>')
    .description('send all traffic to a warm colour now (asks for the typed service name, or --confirm)')
    .requiredOption('-e, --env <environment>', 'the environment')
    .addOption(new Option('--to <color>', 'the colour to serve').choices(['blue', 'green']).makeOptionMandatory())
    .option('--confirm <service>', 'the service name, typed out (needed without a terminal)')
    .action(async (service: string, options: { env: string; to: 'blue' | 'green'; confirm?: string }, command: Command) => {
      const confirm = await typedConfirmation(options.confirm, service, 'switch');
      const connection = ctx.connection();
      const result = await call(connection, () =>
        connection.api.POST('/services/{name}/switch', { params: { path: { name: service } }, body: { environment: options.env, to: options.to, confirm } }),
      );
      const output = ctx.output(command);
      if (output.json) printJson(output, result);
      else line(output, result.switched ? `${service} in ${options.env}: traffic on ${result.to} (from ${result.from ?? 'none'})` : `${service} already on ${result.to}`);
    });

  const traffic = program.command('traffic').description("a service's traffic split between blue and green");
  traffic
    .command('get <service>', { isDefault: true })
    .description('the split, read from the traffic provider')
    .requiredOption('-e, --env <environment>', 'the environment')
    .action(async (service: string, options: { env: string }, command: Command) => {
      const connection = ctx.connection();
      const result = await call(connection, () =>
        connection.api.GET('/services/{name}/traffic', { params: { path: { name: service }, query: { environment: options.env } } }),
      );
      const output = ctx.output(command);
      if (output.json) return printJson(output, result);
      line(output, result.weights ? `blue ${result.weights.blue}% / green ${result.weights.green}% (${result.provider})` : `no traffic yet (${result.provider})`);
    });
  traffic
    .command('set <service> <split>')
    .description('split traffic BLUE/GREEN, e.g. 30/70 (whole percent summing to 100)')
    .option('-e, --env <environment>', 'the environment')
    .action(async (service: string, split: string, options: { env?: string }, command: Command) => {
      const environment = requireEnv(options.env, 'traffic set');
      const weights = parseSplit(split);
      const connection = ctx.connection();
      const result = await call(connection, () =>
        connection.api.POST('/services/{name}/traffic', { params: { path: { name: service } }, body: { environment, ...weights } }),
      );
      const output = ctx.output(command);
      if (output.json) return printJson(output, result);
      line(output, `blue ${result.weights?.blue ?? weights.blue}% / green ${result.weights?.green ?? weights.green}% (${result.provider})`);
    });
}

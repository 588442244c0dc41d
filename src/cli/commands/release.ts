import { Option, type Command } from 'commander';
import { call } from '../client.ts';
import { parseDuration, requireEnv, type CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { untilPoints, type Until } from '../live/state.ts';
import { line, printJson } from '../output.ts';
import { watchRelease } from '../watch.ts';

interface ReleaseOptions {
  env?: string;
  image?: string;
  strategy: 'blue-green' | 'canary' | 'dry-run';
  options?: string;
  wait?: boolean;
  until?: Until;
  timeout?: string;
}

function parseOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new CliError('--options takes a JSON object, e.g. \'{"requireApproval":true}\'', exitCodes.usage);
}

/** `cutover release SERVICE VERSION --env E [--wait]`: starts a release and, when asked, follows it to its end. */
export function registerRelease(program: Command, ctx: CliContext): void {
  program
    .command('release <service> <version>')
    .description('start a release; with --wait follow it live and exit with its outcome')
    .option('-e, --env <environment>', 'the environment to release to')
    .option('--image <image>', "the artifact (default: the definition's image)")
    .addOption(new Option('--strategy <strategy>', 'how to release').choices(['blue-green', 'canary', 'dry-run']).default('blue-green'))
    .option('--options <json>', "the strategy's options as JSON (steps, timings, requireApproval …)")
    .option('-w, --wait', 'follow the release until it ends (or --until) and exit with its outcome')
    .addOption(new Option('--until <point>', 'with --wait: stop once waiting on a person, once traffic switched, or at the end').choices([...untilPoints]))
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 5), e.g. 30m')
    .action(async (service: string, version: string, options: ReleaseOptions, command: Command) => {
      const environment = requireEnv(options.env, 'release');
      const body = { service, environment, version, image: options.image, strategy: options.strategy, options: parseOptions(options.options) };
      const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
      const output = ctx.output(command);
      const connection = ctx.connection();
      const deployment = await call(connection, () => connection.api.POST('/deployments', { body }));
      if (!options.wait && !options.until) {
        if (output.json) printJson(output, deployment);
        else {
          line(output, `started ${service} ${version} in ${environment}: deployment ${deployment.id}`);
          line(output, `Temporal Web UI: ${deployment.web_ui_url}`);
          line(output, `follow it: cutover status ${deployment.id} --watch`);
        }
        return;
      }
      ctx.exitCode = await watchRelease(ctx, output, deployment, { until: options.until ?? 'done', timeoutMs });
    });
}

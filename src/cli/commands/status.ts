import { Option, type Command } from 'commander';
import { parseDuration, type CliContext } from '../context.ts';
import { exitCodeForStatus, exitCodes } from '../exit-codes.ts';
import { renderTree } from '../live/render.ts';
import { initialState, untilPoints, type Until } from '../live/state.ts';
import { line, printJson } from '../output.ts';
import { getDeployment, resolveDeployment } from '../resolve.ts';
import { watchRelease } from '../watch.ts';

/**
 * `cutover status DEPLOYMENT|SERVICE --env E [--watch]`: a release's steps; with --watch followed live until it
 * ends. Exits with the release's outcome either way (0 while it runs), like `kubectl argo rollouts status`.
 */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status <target>')
    .description("a deployment's steps (by id), or a service's newest deployment in --env")
    .option('-e, --env <environment>', 'the environment, when the target is a service')
    .option('-w, --watch', 'follow it live until it ends (or --until) and exit with its outcome')
    .addOption(new Option('--until <point>', 'with --watch: stop once waiting on a person, once traffic switched, or at the end').choices([...untilPoints]))
    .option('--timeout <duration>', 'with --watch: give up after this long (exit 5)')
    .action(async (target: string, options: { env?: string; watch?: boolean; until?: Until; timeout?: string }, command: Command) => {
      const output = ctx.output(command);
      const connection = ctx.connection();
      const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
      const found = await resolveDeployment(connection, target, options.env);
      if (options.watch || options.until) {
        ctx.exitCode = await watchRelease(ctx, output, found, { until: options.until ?? 'done', timeoutMs });
        return;
      }
      const deployment = await getDeployment(connection, found.id);
      if (output.json) printJson(output, deployment);
      else {
        const state = initialState(deployment);
        for (const step of deployment.steps) state.steps.set(step.step, step);
        for (const text of renderTree(state, { color: output.color, now: Date.now(), frame: 0, columns: output.tty ? output.columns : 10_000 })) line(output, text);
      }
      ctx.exitCode = exitCodeForStatus(deployment.status) ?? exitCodes.ok;
    });
}

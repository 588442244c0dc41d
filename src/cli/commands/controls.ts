import type { Command } from 'commander';
import { call, type Connection } from '../client.ts';
import { requireEnv, type CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { line, printJson } from '../output.ts';
import { isActive, isDeploymentId, resolveDeployment } from '../resolve.ts';

type ControlAction = 'promote' | 'abort' | 'rollback';

async function sendControl(connection: Connection, id: string, action: ControlAction, body: { reason?: string; full?: boolean }) {
  const request = { params: { path: { id } }, body };
  if (action === 'promote') return call(connection, () => connection.api.POST('/deployments/{id}/promote', request));
  if (action === 'abort') return call(connection, () => connection.api.POST('/deployments/{id}/abort', request));
  return call(connection, () => connection.api.POST('/deployments/{id}/rollback', request));
}

/** The service's newest deployment in the environment when it is still running. */
async function runningRelease(connection: Connection, service: string, environment: string) {
  try {
    const newest = await resolveDeployment(connection, service, environment);
    return isActive(newest) ? newest : undefined;
  } catch (error) {
    if (error instanceof CliError && error.exitCode === exitCodes.api) return undefined;
    throw error;
  }
}

/** `promote`, `abort`: controls of a running release, named by deployment id or by service and --env. */
export function registerControls(program: Command, ctx: CliContext): void {
  const controls: [ControlAction, string][] = [
    ['promote', 'blue-green: end the monitor window now; canary: go on to the next step (--full: to 100 %)'],
    ['abort', 'abort a running release: before the switch the standby is dropped, after it traffic goes back'],
  ];
  for (const [action, description] of controls) {
    const command = program
      .command(`${action} <target>`)
      .description(description)
      .option('-e, --env <environment>', 'the environment, when the target is a service')
      .option('--reason <text>', 'why, for the audit log');
    if (action === 'promote') command.option('--full', 'canary: skip every remaining step to 100 %');
    command.action(async (target: string, options: { env?: string; reason?: string; full?: boolean }, self: Command) => {
      const connection = ctx.connection();
      const deployment = await resolveDeployment(connection, target, options.env, { running: true });
      await sendControl(connection, deployment.id, action, { reason: options.reason, ...(options.full ? { full: true } : {}) });
      const output = ctx.output(self);
      if (output.json) printJson(output, { deployment_id: deployment.id, action, accepted: true });
      else line(output, `${action} sent to ${deployment.service} ${deployment.version} in ${deployment.environment} (${deployment.id})`);
    });
  }

  program
    .command('rollback <target>')
    .description('a running release: roll it back now; a service outside a release: back to its previous version')
    .option('-e, --env <environment>', 'the environment, when the target is a service')
    .option('--reason <text>', 'why, for the audit log (a running release)')
    .action(async (target: string, options: { env?: string; reason?: string }, command: Command) => {
      const connection = ctx.connection();
      const output = ctx.output(command);
      const environment = isDeploymentId(target) ? undefined : requireEnv(options.env, 'rollback of a service');
      // A release of the service still running is rolled back by its workflow; otherwise the service goes back.
      const running = environment === undefined ? await resolveDeployment(connection, target, undefined, { running: true }) : await runningRelease(connection, target, environment);
      if (running) {
        await sendControl(connection, running.id, 'rollback', { reason: options.reason });
        if (output.json) printJson(output, { deployment_id: running.id, action: 'rollback', accepted: true });
        else line(output, `rollback sent to ${running.service} ${running.version} in ${running.environment} (${running.id})`);
        return;
      }
      const result = await call(connection, () =>
        connection.api.POST('/services/{name}/rollback', { params: { path: { name: target } }, body: { environment: environment! } }),
      );
      if (output.json) return printJson(output, result);
      if ('release' in result && result.release) line(output, `the previous colour was cold: released ${result.release.version} again (deployment ${result.release.id})`);
      else line(output, result.switched ? `traffic back on ${result.to} (from ${result.from ?? 'none'})` : `already on ${result.to}${result.reason ? `: ${result.reason}` : ''}`);
    });
}

import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { call } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { line, printJson } from '../output.ts';
import { ask, canPrompt } from '../prompt.ts';
import { resolveDeployment } from '../resolve.ts';

/** Who approves: --approver, else CUTOVER_APPROVER, the CI's actor, or the login name. */
function approverOf(env: Record<string, string | undefined>, given?: string): string {
  if (given) return given;
  if (env.CUTOVER_APPROVER) return env.CUTOVER_APPROVER;
  if (env.GITHUB_ACTOR) return env.GITHUB_ACTOR;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'cutover-cli';
  }
}

/**
 * The typed service name that confirms a decision: --confirm, or asked for on a terminal (like the dashboard's
 * typed-name challenge). Without a terminal and without --confirm nothing is sent (exit 2).
 */
export async function typedConfirmation(given: string | undefined, service: string, verb: string): Promise<string> {
  if (given !== undefined) return given;
  if (!canPrompt()) throw new CliError(`${verb} needs --confirm ${service} when there is no terminal to ask on`, exitCodes.usage);
  const typed = await ask(`type the service name (${service}) to ${verb}: `);
  if (typed !== service) throw new CliError(`"${typed}" is not ${service}: nothing sent`, exitCodes.usage);
  return typed;
}

/** `cutover approve|reject DEPLOYMENT|SERVICE --env E [--confirm NAME]`. */
export function registerDecisions(program: Command, ctx: CliContext): void {
  for (const action of ['approve', 'reject'] as const) {
    program
      .command(`${action} <target>`)
      .description(`${action} a release waiting for approval (asks for the typed service name, or --confirm)`)
      .option('-e, --env <environment>', 'the environment, when the target is a service')
      .option('--confirm <service>', 'the service name, typed out (needed without a terminal)')
      .option('--approver <name>', 'who decides (default: CUTOVER_APPROVER, GITHUB_ACTOR or the login name)')
      .option('--comment <text>', 'a comment for the audit log')
      .action(async (target: string, options: { env?: string; confirm?: string; approver?: string; comment?: string }, command: Command) => {
        const connection = ctx.connection();
        const deployment = await resolveDeployment(connection, target, options.env, { running: true });
        const confirm = await typedConfirmation(options.confirm, deployment.service, action);
        const body = { approver: approverOf(ctx.env, options.approver), confirm, ...(options.comment ? { comment: options.comment } : {}) };
        const path = { params: { path: { id: deployment.id } }, body };
        const state = await call(connection, () =>
          action === 'approve' ? connection.api.POST('/deployments/{id}/approve', path) : connection.api.POST('/deployments/{id}/reject', path),
        );
        const output = ctx.output(command);
        if (output.json) printJson(output, { deployment_id: deployment.id, ...state });
        else line(output, `${action === 'approve' ? 'approved' : 'rejected'} ${deployment.service} ${deployment.version} in ${deployment.environment} (${deployment.id})`);
      });
  }
}

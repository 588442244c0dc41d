import { Command, CommanderError, Option } from 'commander';
import { registerControls } from './commands/controls.ts';
import { registerDecisions } from './commands/decide.ts';
import { registerHistory } from './commands/history.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerLogin } from './commands/login.ts';
import { registerRelease } from './commands/release.ts';
import { registerServices } from './commands/services.ts';
import { registerStatus } from './commands/status.ts';
import { registerTraffic } from './commands/traffic.ts';
import { createContext, type CliContext } from './context.ts';
import { CliError, exitCodeHelp, exitCodes, type ExitCode } from './exit-codes.ts';

const exitCodeText = `\nExit codes:\n${exitCodeHelp.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}\n`;

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('cutover')
    .description('Release services with Cutover from a terminal or a CI job')
    .addOption(new Option('-o, --output <format>', 'text, or json for machine-readable output').choices(['text', 'json']).default('text'))
    .addHelpText('after', exitCodeText)
    .showHelpAfterError('(cutover --help lists the commands)')
    .exitOverride();
  for (const register of [registerLogin, registerServices, registerRelease, registerStatus, registerDecisions, registerControls, registerTraffic, registerHistory, registerJobs]) {
    register(program, ctx);
  }
  // Every subcommand reports usage errors through the same override, so they exit 2 rather than commander's 1.
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Runs the CLI on `argv` (as process.argv: node, script, …) and says what to exit with. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  const ctx = createContext(env);
  const program = buildProgram(ctx);
  const json = argv.includes('--output=json') || argv.some((arg, i) => (arg === '-o' || arg === '--output') && argv[i + 1] === 'json');
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with their own code 0.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const failure = error instanceof CliError ? error : new CliError(error instanceof Error ? error.message : String(error), exitCodes.api, { cause: error });
    if (json) process.stdout.write(`${JSON.stringify({ type: 'error', error: { message: failure.message, exit_code: failure.exitCode, details: failure.details } })}\n`);
    else process.stderr.write(`cutover: ${failure.message}${failure.details ? `\n${JSON.stringify(failure.details)}` : ''}\n`);
    return failure.exitCode;
  }
}

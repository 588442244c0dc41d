import type { Command } from 'commander';
import { connect, type Connection } from './client.ts';
import { CliError, exitCodes, type ExitCode } from './exit-codes.ts';
import { createOutput, type Output } from './output.ts';

/** What every command's action gets: its output, a lazily made connection, and where to put its exit code. */
export interface CliContext {
  env: Record<string, string | undefined>;
  output(command: Command): Output;
  connection(): Connection;
  exitCode: ExitCode;
}

export function createContext(env: Record<string, string | undefined> = process.env): CliContext {
  let connection: Connection | undefined;
  return {
    env,
    output: (command) => createOutput(command.optsWithGlobals<{ output?: string }>().output, env),
    connection: () => (connection ??= connect(env)),
    exitCode: exitCodes.ok,
  };
}

/** `--timeout 10m` → milliseconds (`500ms`, `30s`, `10m`, `2h`; a bare number is seconds). */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`not a duration: ${text} (say 30s, 10m or 1h)`, exitCodes.usage);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * unit);
}

export function requireEnv(env: string | undefined, what: string): string {
  if (!env) throw new CliError(`${what} needs --env ENVIRONMENT`, exitCodes.usage);
  return env;
}

import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError, exitCodes } from './exit-codes.ts';

/** Where `cutover login` keeps the API URL and token. */
export interface CliConfig {
  url: string;
  token: string;
}

type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/cutover/config.json`, else `~/.config/cutover/config.json`. */
export function configPath(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'cutover', 'config.json');
}

/** Writes the file readable by its owner only (0600, its folder 0700), whatever was there before. */
export function saveConfig(config: CliConfig, env: Env = process.env): string {
  const file = configPath(env);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The mode of writeFileSync applies only to a new file: an existing one keeps its mode otherwise.
  chmodSync(file, 0o600);
  return file;
}

export function removeConfig(env: Env = process.env): boolean {
  const file = configPath(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

function readConfigFile(env: Env): Partial<CliConfig> {
  const file = configPath(env);
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CliConfig>;
    return { url: typeof parsed.url === 'string' ? parsed.url : undefined, token: typeof parsed.token === 'string' ? parsed.token : undefined };
  } catch (error) {
    throw new CliError(`cannot read ${file}: run cutover login again`, exitCodes.usage, { cause: error });
  }
}

/** The saved login, with `CUTOVER_URL` and `CUTOVER_TOKEN` taking precedence over it. */
export function loadConfig(env: Env = process.env): CliConfig {
  const saved = readConfigFile(env);
  const url = env.CUTOVER_URL || saved.url;
  const token = env.CUTOVER_TOKEN || saved.token;
  if (!url || !token) {
    throw new CliError('not logged in: run `cutover login` or set CUTOVER_URL and CUTOVER_TOKEN', exitCodes.auth);
  }
  return { url, token };
}

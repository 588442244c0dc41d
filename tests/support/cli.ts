import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveApp, type RunningServer } from '../../src/api/serve.ts';
import type { App } from '../../src/api/create-app.ts';

const bin = fileURLToPath(new URL('../../bin/cutover', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A home of the test's own, so no real login is read or written. */
export function cliHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'cutover-cli-'));
}

/**
 * Runs the real `cutover` command (bin/cutover, through tsx) as a subprocess, without a terminal, in a
 * throw-away HOME. Asynchronous: the API it talks to serves from this very process.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, options: { timeoutMs?: number } = {}): Promise<CliResult> {
  const home = env.HOME ?? cliHome();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: root,
        timeout: options.timeoutMs ?? 60_000,
        env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), TERM: 'xterm-256color', ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The harness's app on a real port, for the CLI to reach over HTTP. */
export async function serveForCli(app: App): Promise<RunningServer & { url: string }> {
  const server = await serveApp(app, { port: 0, hostname: '127.0.0.1' });
  return { ...server, url: `http://127.0.0.1:${server.port}` };
}

/** Every JSON line of a `--output json` run, parsed (a line that is not JSON fails the test). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((text) => text.trim() !== '')
    .map((text) => JSON.parse(text) as Record<string, unknown>);
}

// eslint-disable-next-line no-control-regex
export const escapeCodes = /\u001b/;

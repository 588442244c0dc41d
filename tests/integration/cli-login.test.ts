// needs: Postgres, Temporal dev server
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';
import { cliHome, escapeCodes, jsonLines, runCli, serveForCli } from '../support/cli.ts';

let harness: Harness;
let workspace: TestWorkspace;
let server: Awaited<ReturnType<typeof serveForCli>>;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'cli-login');
  server = await serveForCli(harness.app);
});
afterAll(async () => {
  await server?.close();
  await harness?.close();
});

describe('cutover login and the exit codes of refused calls', () => {
  it('keeps URL and token in a 0600 file under XDG_CONFIG_HOME and uses it; CUTOVER_TOKEN overrides it', async () => {
    const home = cliHome();
    const login = await runCli(['login', '--url', server.url, '--token', workspace.tokens.viewer], { HOME: home });
    expect(login.code, login.stderr).toBe(0);
    const file = path.join(home, '.config', 'cutover', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: server.url, token: workspace.tokens.viewer });

    const list = await runCli(['services', 'list', '--output', 'json'], { HOME: home });
    expect(list.code, list.stderr).toBe(0);
    expect(jsonLines(list.stdout)[0]).toEqual({ items: [] });

    const overridden = await runCli(['services', 'list'], { HOME: home, CUTOVER_TOKEN: 'cut_not-a-token' });
    expect(overridden.code).toBe(6);
    expect(overridden.stderr).toMatch(/unauthorized/);
  });

  it('refuses to save a token the API refuses (exit 6), and says so without escape codes', async () => {
    const home = cliHome();
    const login = await runCli(['login', '--url', server.url, '--token', 'cut_bogus'], { HOME: home });
    expect(login.code).toBe(6);
    expect(login.stderr).not.toMatch(escapeCodes);
    expect(() => statSync(path.join(home, '.config', 'cutover', 'config.json'))).toThrow();
  });

  it('exits 6 for a role too low (403), 7 when the API is not there, 8 for another API error, 2 for bad usage', async () => {
    const env = { CUTOVER_URL: server.url, CUTOVER_TOKEN: workspace.tokens.viewer };
    const forbidden = await runCli(['release', 'web', '1.0.0', '--env', 'staging', '--strategy', 'dry-run'], env);
    expect(forbidden.code).toBe(6);
    expect(forbidden.stderr).toMatch(/forbidden/);

    const stopped = await runCli(['services', 'list'], { ...env, CUTOVER_URL: `http://127.0.0.1:${await freePort()}` });
    expect(stopped.code).toBe(7);
    expect(stopped.stderr).toMatch(/cannot reach the API/);

    const missing = await runCli(['services', 'get', 'nothing-here', '--output', 'json'], env);
    expect(missing.code).toBe(8);
    expect(jsonLines(missing.stdout)[0]).toMatchObject({ type: 'error', error: { exit_code: 8 } });

    expect((await runCli(['release', 'web'], env)).code).toBe(2);
    expect((await runCli(['release', 'web', '1.0.0'], env)).code).toBe(2);
    expect((await runCli(['traffic', 'set', 'web', '30/60', '--env', 'staging'], env)).code).toBe(2);
  });
});

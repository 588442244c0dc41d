// needs: Postgres, Temporal dev server
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHome, escapeCodes, jsonLines, runCli, serveForCli } from '../support/cli.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from '../support/harness.ts';

let harness: Harness;
let workspace: TestWorkspace;
let server: Awaited<ReturnType<typeof serveForCli>>;

beforeAll(async () => {
  harness = await startHarness({ worker: false });
  workspace = await createTestWorkspace(harness.db, 'cli-services');
  server = await serveForCli(harness.app);
});
afterAll(async () => {
  await server?.close();
  await harness?.close();
});

/** A registration file in a directory of the test's own. */
function registration(body: unknown): string {
  const file = path.join(cliHome(), 'service.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('cutover services and history', () => {
  it('registers a service from a file, lists it, shows it with its secrets masked, and replaces it', async () => {
    const env = { CUTOVER_URL: server.url, CUTOVER_TOKEN: workspace.tokens.operator };
    const definition = { namespace: workspace.namespace, image: 'web:1.0.0', ports: [{ port: 80 }], env: { DATABASE_PASSWORD: 'hunter2-hunter2' }, secretEnv: ['DATABASE_PASSWORD'] };
    const file = registration({ name: 'cli-web', environment: 'staging', definition });
    const registered = await runCli(['services', 'register', file], env);
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout.trim()).toBe('registered cli-web in staging');

    const again = await runCli(['services', 'register', file, '--output', 'json'], env);
    expect(again.code, 'a second POST is a conflict: another API error').toBe(8);

    const list = await runCli(['services', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/cli-web\s+staging/);
    expect(list.stdout).not.toMatch(escapeCodes);

    const shown = await runCli(['services', 'get', 'cli-web', '--env', 'staging', '--output', 'json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    const [page] = jsonLines(shown.stdout) as Array<{ items: Array<{ name: string; definition: { image: string } }> }>;
    expect(page?.items).toEqual([expect.objectContaining({ name: 'cli-web', definition: expect.objectContaining({ image: 'web:1.0.0' }) as unknown })]);
    expect(shown.stdout).not.toContain('hunter2-hunter2');

    const replaced = await runCli(['services', 'register', registration({ ...definition, env: { DATABASE_PASSWORD: '********' }, image: 'web:2.0.0' }), '--name', 'cli-web', '--env', 'staging', '--replace'], env);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout.trim()).toBe('replaced cli-web in staging');
    const after = await runCli(['services', 'get', 'cli-web', '--env', 'staging', '--output', 'json'], env);
    expect(after.stdout).toContain('web:2.0.0');

    const history = await runCli(['history', 'cli-web', '--env', 'staging', '--output', 'json'], env);
    expect(history.code, history.stderr).toBe(0);
    expect(jsonLines(history.stdout)[0]).toMatchObject({ items: [] });
  });

  it('exits 2 for a file that names no service, and 6 when a viewer registers one', async () => {
    const env = { CUTOVER_URL: server.url, CUTOVER_TOKEN: workspace.tokens.viewer };
    const nameless = await runCli(['services', 'register', registration({ image: 'web:1' })], env);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toMatch(/give --name and --env/);
    const file = registration({ name: 'cli-viewer', environment: 'staging', definition: { namespace: workspace.namespace, image: 'web:1', ports: [{ port: 80 }] } });
    const refused = await runCli(['services', 'register', file], env);
    expect(refused.code).toBe(6);
  });
});

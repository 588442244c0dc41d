// needs: the local target (`npm run demo` brings its own Temporal dev server and embedded database)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The Quick start's first command must stay true: it runs three real releases and exits 0 only when their
// outcomes are right, no request went unanswered and the running app followed a feature flag change.
describe('npm run demo', () => {
  it('releases 1.0.0, 2.0.0 and 3.0.0 on the local target under load: switched, switched, rolled back, nothing dropped; the app follows a flag change', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--exit'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toMatch(/^1\.0\.0\s+succeeded\s/m);
    expect(output).toMatch(/^2\.0\.0\s+succeeded\s+\d+\s+0\s+0\s+\d+ ms/m);
    expect(output).toMatch(/^3\.0\.0\s+rolled_back\s+\d+\s+0\s+\d+\s+\d+ ms\s+\d+ ms\s+http:\/\/localhost:\d+\/namespaces\/default\/workflows\//m);
    expect(output).toContain('Unanswered requests during the switches and the rollback: 0');
    // The demo signs the first platform admin in through the API and says how to do it again.
    expect(output).toMatch(/Signed in as admin@cutover\.local \(platform admin, owner of default\)/);
    expect(output).toMatch(/Dashboard http:\/\/[^/ ]+\/admin\/ \(serving\)/);
    // From 2.0.0 on the app reads shop-banner through the OpenFeature provider; the demo changes the flag and the
    // running app's page follows, from the same process.
    expect(output).toMatch(/^ {2}before {2}GET \/ → .*"version":"2\.0\.0".*"banner":"classic"/m);
    expect(output).toMatch(/^ {2}after {3}GET \/ → .*"version":"2\.0\.0".*"banner":"holiday"/m);
    expect(output).toMatch(/the running app shows holiday \d+ ms after the change, same process \(pid \d+\), no restart/);
    expect(code, output).toBe(0);
  }, 240_000);
});

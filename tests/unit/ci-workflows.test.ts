// needs: actionlint (scripts/ensure-actionlint.sh installs it through the Go module proxy; .ci/run does first)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const workflows = ['.github/workflows/ci.yml', 'examples/github-actions/release.yml'];
const actionlint = execFileSync('bash', [path.join(root, 'scripts/ensure-actionlint.sh')], { cwd: root, encoding: 'utf8' }).trim();

function lint(files: string[]) {
  return spawnSync(actionlint, ['-no-color', ...files], { cwd: root, encoding: 'utf8' });
}

describe('the GitHub Actions workflows', () => {
  it('pass actionlint (syntax, expressions, shell of every run step)', () => {
    const result = lint(workflows);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  it('would fail it with a broken workflow (so the check above can fail)', () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'cutover-actionlint-')), 'release.yml');
    const text = readFileSync(path.join(root, 'examples/github-actions/release.yml'), 'utf8');
    writeFileSync(broken, text.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    run-on: typo'));
    const result = lint([broken]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/unexpected key "run-on"/);
  }, 60_000);
});

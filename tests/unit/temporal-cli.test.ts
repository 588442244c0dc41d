// needs: nothing (fake executables in a temporary folder)
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTemporalCli, locateTemporalCli } from '../../scripts/temporal/cli.ts';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cutover-cli-'));
  made.push(dir);
  return dir;
}

function fakeExecutable(dir: string, name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('finding the Temporal CLI', () => {
  it('prefers $TEMPORAL_CLI, then PATH, then the tools folder', () => {
    const explicit = fakeExecutable(tempDir(), 'my-temporal');
    const pathDir = tempDir();
    const onPath = fakeExecutable(pathDir, 'temporal');
    const toolsDir = tempDir();
    const local = fakeExecutable(toolsDir, 'temporal');
    expect(locateTemporalCli({ TEMPORAL_CLI: explicit, PATH: pathDir }, toolsDir)).toBe(explicit);
    expect(locateTemporalCli({ PATH: pathDir }, toolsDir)).toBe(onPath);
    expect(locateTemporalCli({ PATH: '' }, toolsDir)).toBe(local);
    expect(locateTemporalCli({ PATH: '' }, tempDir())).toBeUndefined();
  });

  it('refuses a $TEMPORAL_CLI that is not executable', () => {
    expect(() => locateTemporalCli({ TEMPORAL_CLI: '/nonexistent/temporal' })).toThrow(/not an executable/);
  });

  it('says how to install one when there is neither a binary nor Go', () => {
    expect(() => ensureTemporalCli({ PATH: '' }, { toolsDir: tempDir(), goBinary: '/nonexistent/go', log: () => {} })).toThrow(
      /Install Go/,
    );
  });
});

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli } from '../../scripts/temporal/cli.ts';
import { startTemporalDevServer } from '../../scripts/temporal/dev-server.ts';
import { failureConverterPath } from '../../src/temporal/codec.ts';
import { workflowsPath } from '../../src/temporal/worker.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { freePort } from '../support/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One real Temporal dev server (in memory, no UI) and one fresh Postgres database per test run.
 * Nothing here skips: a missing service fails the run.
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const port = await freePort();
  const [temporal, database, bundle] = await Promise.all([
    startTemporalDevServer({
      binary: ensureTemporalCli(),
      port,
      uiPort: await freePort(),
      headless: true,
      startTimeoutMs: 60_000,
    }),
    createTestDatabase(`cutover_test_${runId}`),
    // With the failure converter that moves messages and stack traces into encrypted payloads (codec.ts).
    bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quietBundlerLogger }),
  ]);
  const bundleDir = path.join(root, '.data', 'test');
  mkdirSync(bundleDir, { recursive: true });
  const workflowBundlePath = path.join(bundleDir, `workflow-bundle-${runId}.js`);
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('databaseUrl', database.url);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await temporal.stop();
    await database.drop();
    rmSync(workflowBundlePath, { force: true });
  };
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

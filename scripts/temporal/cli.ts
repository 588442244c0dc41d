import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const temporalCliVersion = 'v1.5.1';
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Project-local, git-ignored folder for tools built here. */
export const toolsBinDir = path.join(projectRoot, '.tools', 'bin');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Where a usable `temporal` binary is, without building: $TEMPORAL_CLI, then PATH, then .tools/bin. */
export function locateTemporalCli(env: NodeJS.ProcessEnv = process.env, toolsDir = toolsBinDir): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  const local = path.join(toolsDir, 'temporal');
  return onPath('temporal', env.PATH) ?? (isExecutable(local) ? local : undefined);
}

/** Finds the Temporal CLI, building it into .tools/bin with Go when there is none. */
export function ensureTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  options: { toolsDir?: string; goBinary?: string; log?: (line: string) => void } = {},
): string {
  const toolsDir = options.toolsDir ?? toolsBinDir;
  const log = options.log ?? console.error;
  const found = locateTemporalCli(env, toolsDir);
  if (found) return found;
  const fallbackGo = options.goBinary ?? '/usr/local/go/bin/go';
  const go = onPath('go', env.PATH) ?? (isExecutable(fallbackGo) ? fallbackGo : undefined);
  if (!go) {
    throw new Error(
      'No Temporal CLI found ($TEMPORAL_CLI, PATH, .tools/bin) and no Go toolchain to build one. ' +
        'Install Go >= 1.25 (https://go.dev/doc/install) and run this again, or install the Temporal CLI ' +
        '(https://docs.temporal.io/cli#install) and set TEMPORAL_CLI to its path.',
    );
  }
  log(`building the Temporal CLI ${temporalCliVersion} into ${toolsDir} (once; a few minutes)...`);
  const result = spawnSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@${temporalCliVersion}`], {
    env: { ...env, GOBIN: toolsDir, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`go install of the Temporal CLI failed (exit ${result.status ?? result.signal})`);
  return path.join(toolsDir, 'temporal');
}

// `tsx scripts/temporal/cli.ts` prints the binary's path (used by .ci/run).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(ensureTemporalCli());
}

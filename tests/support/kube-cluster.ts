import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const upScript = fileURLToPath(new URL('../../scripts/kube/up.sh', import.meta.url));

// A cold start compiles Kubernetes from source (tens of minutes on 2 cores); warm starts take seconds.
const defaultTimeoutMs = 75 * 60_000;

export interface EnsureKubeClusterOptions {
  /** Gives up (and kills the provisioning script) after this long. */
  timeoutMs?: number;
}

/**
 * Starts the local test cluster with scripts/kube/up.sh, or reuses it when already healthy, and returns
 * its kubeconfig path. The script's progress goes to stderr; a failure rejects (never skips).
 */
export async function ensureKubeCluster(
  options: EnsureKubeClusterOptions = {},
): Promise<{ kubeconfigPath: string }> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const child = spawn('bash', [upScript], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so a timeout can stop the whole build (go, compile, link), not just bash.
    detached: true,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.pipe(process.stderr, { end: false });

  // The cluster's own processes run in their own sessions (kwokctl uses setsid), so this only stops
  // an unfinished up.sh; it also runs if the test runner exits mid-build.
  const stopScript = (): void => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stopScript);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stopScript();
  }, timeoutMs);

  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (timedOut) throw new Error(`scripts/kube/up.sh did not finish within ${timeoutMs / 1000} s`);
    if (code !== 0) throw new Error(`scripts/kube/up.sh failed with exit code ${code} (see its output above)`);
  } catch (cause) {
    throw new Error('could not start the Kubernetes test cluster', { cause });
  } finally {
    clearTimeout(timer);
    process.off('exit', stopScript);
  }

  const kubeconfigPath = stdout.trim().split('\n').at(-1)?.trim();
  if (!kubeconfigPath) throw new Error('scripts/kube/up.sh printed no kubeconfig path');
  return { kubeconfigPath };
}

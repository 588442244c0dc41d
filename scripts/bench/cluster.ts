import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Brings the local test cluster up (reused when it runs) and returns its kubeconfig path. */
export function testClusterKubeconfig(): string {
  const output = execFileSync('bash', [path.join(root, 'scripts/kube/up.sh')], { stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  const kubeconfig = output.trim().split('\n').at(-1);
  if (!kubeconfig) throw new Error('kube:up printed no kubeconfig path');
  return kubeconfig;
}

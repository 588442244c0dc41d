import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSupervisor, stopSupervisor, type SupervisorAddress, type SupervisorClient } from '../../src/targets/local/supervisor-client.ts';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

/** The bundled sample app's releases (what the demo deploys): 3.0.0 fails every request after a while. */
export const sampleRelease = (version: '1.0.0' | '2.0.0' | '3.0.0') =>
  fileURLToPath(new URL(`../../examples/sample-app/releases/${version}.mjs`, import.meta.url));

/** A supervisor of the test's own: its own data dir and control port; stop() ends it and what it runs. */
export async function startTestSupervisor(): Promise<{ address: SupervisorAddress; client: SupervisorClient; stop(): Promise<void> }> {
  const address = { dataDir: mkdtempSync(path.join(tmpdir(), 'cutover-local-')), port: await freePort() };
  const client = await ensureSupervisor(address);
  return {
    address,
    client,
    async stop() {
      await stopSupervisor(address);
      rmSync(address.dataDir, { recursive: true, force: true });
    },
  };
}

/** Ports for one local service: public, preview, blue, green. */
export async function localPorts(): Promise<{ port: number; previewPort: number; blue: number; green: number }> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [port, previewPort, blue, green] = [...ports] as [number, number, number, number];
  return { port, previewPort, blue, green };
}

/** A colour spec running a sample-app release. */
export function sampleColor(version: '1.0.0' | '2.0.0' | '3.0.0', port: number, env: Record<string, string> = {}) {
  return {
    command: process.execPath,
    args: [sampleRelease(version)],
    env,
    port,
    version,
    readiness: { path: '/healthz', intervalMs: 200, timeoutMs: 500 },
  };
}

export function waitReady(client: SupervisorClient, key: string, color: 'blue' | 'green') {
  return waitFor(`${key}-${color} ready`, async () => ((await client.getService(key))?.colors[color]?.ready ? true : undefined), {
    timeoutMs: 15_000,
    intervalMs: 50,
  });
}

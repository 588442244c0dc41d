import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSupervisor, stopSupervisor, type SupervisorAddress, type SupervisorClient } from '../../src/targets/local/supervisor-client.ts';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

/** The bundled sample app's releases (what the demo deploys): 3.0.0 fails every request after a while. */
export type SampleVersion = '1.0.0' | '2.0.0' | '3.0.0';

export const sampleRelease = (version: SampleVersion) =>
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
export function sampleColor(version: SampleVersion, port: number, env: Record<string, string> = {}) {
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


/**
 * A service on free ports whose colours run the given sample-app releases, each waited for until ready.
 * Returns the service's ports.
 */
export async function startSampleService(client: SupervisorClient, key: string, colors: { blue: SampleVersion; green?: SampleVersion }) {
  const ports = await localPorts();
  await client.putService(key, { port: ports.port, previewPort: ports.previewPort, host: '127.0.0.1' });
  await client.putColor(key, 'blue', sampleColor(colors.blue, ports.blue));
  if (colors.green) await client.putColor(key, 'green', sampleColor(colors.green, ports.green));
  await Promise.all([waitReady(client, key, 'blue'), colors.green ? waitReady(client, key, 'green') : undefined]);
  return ports;
}

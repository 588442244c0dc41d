import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A release of the bundled sample app (examples/sample-app): the file the local target runs. */
export const sampleArtifact = (version: string) => path.join(root, 'examples', 'sample-app', 'releases', `${version}.mjs`);

/** The sample app as a local-target service on these ports: what the demo (and bench:ui) register. */
export function sampleAppDefinition(ports: { publicPort: number; previewPort: number; bluePort: number; greenPort: number }) {
  return {
    target: 'local',
    image: sampleArtifact('1.0.0'),
    // 3.0.0's bug shows 3 s after it starts: after its smoke checks, inside the monitor window.
    env: { SAMPLE_FAIL_AFTER_MS: '3000' },
    local: {
      command: [process.execPath, '${image}'],
      port: ports.publicPort,
      previewPort: ports.previewPort,
      colorPorts: { blue: ports.bluePort, green: ports.greenPort },
      readiness: { path: '/healthz', intervalMs: 250, timeoutMs: 1_000 },
      drainTimeoutMs: 5_000,
    },
    smokeChecks: [
      { name: 'health', path: '/healthz', jsonPath: 'status', equals: 'ok' },
      { name: 'home', path: '/', bodyContains: 'sample-app' },
    ],
    healthCheck: { path: '/healthz', timeoutMs: 1_000 },
  };
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const appDir = path.join(root, 'examples', 'sample-app');

/** A release of the bundled sample app (examples/sample-app): the file the local target runs. */
export const sampleArtifact = (version: string) => path.join(appDir, 'releases', `${version}.mjs`);

/** Where the sample app reads its feature flag (examples/sample-app/flags.mjs): the API, a viewer's token, an environment. */
export interface SampleAppFlags {
  apiUrl: string;
  token: string;
  environment: string;
}

/**
 * The sample app as a local-target service on these ports: what the demo (and bench:ui) register. With `flags`,
 * releases from 2.0.0 on read the `shop-banner` flag through the in-repo OpenFeature provider.
 */
export function sampleAppDefinition(ports: { publicPort: number; previewPort: number; bluePort: number; greenPort: number }, flags?: SampleAppFlags) {
  return {
    target: 'local',
    image: sampleArtifact('1.0.0'),
    // 3.0.0's bug shows 3 s after it starts: after its smoke checks, inside the monitor window.
    env: {
      SAMPLE_FAIL_AFTER_MS: '3000',
      ...(flags ? { CUTOVER_API_URL: flags.apiUrl, CUTOVER_FLAGS_ENVIRONMENT: flags.environment, CUTOVER_FLAGS_TOKEN: flags.token } : {}),
    },
    // The token is a secret: masked as ******** in every API answer (the value itself stays in env).
    secretEnv: flags ? ['CUTOVER_FLAGS_TOKEN'] : [],
    local: {
      // The provider the app imports is TypeScript from src/sdk, so with flags the app runs under tsx (a dependency of
      // the repository, resolved from the app's folder, its working directory). Without, plain Node as before.
      command: flags ? [process.execPath, '--import', 'tsx', '${image}'] : [process.execPath, '${image}'],
      ...(flags ? { cwd: appDir } : {}),
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

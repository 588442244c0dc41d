import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Four projects: fast unit tests, integration tests against a real Temporal dev server and Postgres, the
// local target (real processes and proxies, plus Temporal and Postgres), and Kubernetes tests against a real
// local control plane. Each project's global setup runs only when a file of that project is selected.
export default defineConfig({
  test: {
    // Worker threads and Temporal's native bridge have crashed together before; forks are safe.
    pool: 'forks',
    // Only `npm run test:web` (part of npm test) measures coverage: the dashboard pages the plan holds to 80% of
    // their lines. LogViewer and the release page read event streams, which happy-dom lacks: the browser tests
    // in tests/local/dashboard.test.ts cover them.
    coverage: {
      provider: 'v8',
      include: ['web/src/**/*.{ts,tsx}'],
      reporter: ['text-summary', 'text'],
      thresholds: { 'web/src/pages/Deployments.tsx': { lines: 80 }, 'web/src/pages/Ops.tsx': { lines: 80 } },
    },
    projects: [
      {
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] },
      },
      {
        // The dashboard's components in happy-dom against a fixture API (tests/web/fixture-api.ts).
        plugins: [react()],
        test: {
          name: 'web',
          include: ['tests/web/**/*.test.tsx'],
          environment: 'happy-dom',
          environmentOptions: { happyDOM: { url: 'http://cutover.test/admin/' } },
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/setup/integration.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'local',
          include: ['tests/local/**/*.test.ts'],
          // Releases on the local target run through the real Temporal dev server and Postgres too.
          globalSetup: ['tests/setup/integration.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Real processes, real ports and timing-sensitive load: one file at a time on two cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kube',
          include: ['tests/kube/**/*.test.ts'],
          // Release workflows need Temporal and Postgres beside the cluster.
          globalSetup: ['tests/setup/integration.ts', 'tests/setup/kube.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // One cluster on two cores: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});

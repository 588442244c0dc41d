import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { OpsWorkerOptions } from '../../src/ops/workloads/index.ts';
import { afterAll, beforeAll, expect } from 'vitest';
import { stopSupervisor, type SupervisorAddress } from '../../src/targets/local/supervisor-client.ts';
import { createTestWorkspace, startHarness, type Harness, type TestWorkspace } from './harness.ts';
import { localPorts, sampleRelease } from './local-supervisor.ts';
import { freePort } from './ports.ts';
import { postRelease, untilStatus, untilStep } from './deployment-waits.ts';
import type { DeploymentView } from './release-fixture.ts';

/** Durations short enough for tests; the workflow code is the production one. */
export const localTimings = {
  rolloutTimeoutMs: 30_000,
  rolloutPollMs: 100,
  monitorDurationMs: 1_000,
  monitorIntervalMs: 200,
  failureThreshold: 3,
  retentionMs: 3_600_000,
};

type Version = '1.0.0' | '2.0.0' | '3.0.0';

/** The sample app as a local service on these ports, with quick readiness and smoke checks. */
export const localDefinition = (ports: Awaited<ReturnType<typeof localPorts>>) => ({
  target: 'local' as const,
  image: sampleRelease('1.0.0'),
  local: {
    command: [process.execPath, '${image}'],
    port: ports.port,
    previewPort: ports.previewPort,
    colorPorts: { blue: ports.blue, green: ports.green },
    readiness: { path: '/healthz', intervalMs: 200, timeoutMs: 500 },
    drainTimeoutMs: 5_000,
  },
  smokeChecks: [{ name: 'health', path: '/healthz', jsonPath: 'status', equals: 'ok' }],
  healthCheck: { path: '/healthz', timeoutMs: 1_000 },
});

/**
 * A test file's releases on the local target: a supervisor of its own (started by the harness's worker on the
 * first release), a workspace, and the sample app's releases as the artifacts.
 */
export function useLocalReleaseFixture(prefix: string, options: { worker?: boolean; logger?: Logger; ops?: OpsWorkerOptions } = {}) {
  const ctx = {} as { harness: Harness; workspace: TestWorkspace; supervisor: SupervisorAddress };

  beforeAll(async () => {
    ctx.supervisor = { dataDir: mkdtempSync(path.join(tmpdir(), `cutover-${prefix}-`)), port: await freePort() };
    ctx.harness = await startHarness({ worker: options.worker, localTarget: ctx.supervisor, logger: options.logger, ops: options.ops });
    ctx.workspace = await createTestWorkspace(ctx.harness.db, prefix);
  });

  afterAll(async () => {
    await ctx.harness?.close();
    if (ctx.supervisor) {
      await stopSupervisor(ctx.supervisor);
      rmSync(ctx.supervisor.dataDir, { recursive: true, force: true });
    }
  });

  const helpers = {
    /** Registers a local service on fresh ports; returns them. */
    register: async (name: string, extra: Record<string, unknown> = {}) => {
      const ports = await localPorts();
      const response = await ctx.harness.call('POST', '/api/v1/services', {
        token: ctx.workspace.tokens.operator,
        body: {
          name,
          environment: 'staging',
          definition: { ...localDefinition(ports), ...extra },
        },
      });
      expect(response.status).toBe(201);
      return ports;
    },

    release: (service: string, version: Version, timings: Record<string, number> = {}): Promise<DeploymentView> =>
      postRelease(ctx.harness, ctx.workspace.tokens.operator, {
        service,
        version,
        image: sampleRelease(version),
        strategy: 'blue-green',
        options: { timings: { ...localTimings, ...timings } },
      }),

    /** A canary release of the sample app with these steps (fast timings). */
    canary: (service: string, version: Version, steps: unknown[], timings: Record<string, number> = {}): Promise<DeploymentView> =>
      postRelease(ctx.harness, ctx.workspace.tokens.operator, {
        service,
        version,
        image: sampleRelease(version),
        strategy: 'canary',
        options: { steps, timings: { rolloutPollMs: 100, abortScaleDownDelayMs: 300, retentionMs: 3_600_000, ...timings } },
      }),

    /** Sends a control (promote, abort, …) to a running release. */
    control: async (id: string, action: string, body: Record<string, unknown> = {}): Promise<number> => {
      const response = await ctx.harness.call('POST', `/api/v1/deployments/${id}/${action}`, { token: ctx.workspace.tokens.operator, body });
      return response.status;
    },

    /** Waits until a step has started (or ended) in the deployment's record. */
    untilStep: (id: string, step: string, status = 'started'): Promise<DeploymentView> => untilStep(ctx.harness, ctx.workspace.tokens.viewer, id, step, status),

    until: (id: string, statuses?: string[]): Promise<DeploymentView> => untilStatus(ctx.harness, ctx.workspace.tokens.viewer, id, statuses),

    /** What the public port answers now. */
    serving: async (port: number): Promise<{ status: number; version?: string; color?: string }> => {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      const body = (await response.json()) as { version?: string; color?: string };
      return { status: response.status, version: body.version, color: body.color };
    },
  };
  return { ctx, ...helpers };
}

/** Steady traffic against a port from `clients` keep-alive loops until stopped; counts every failure. */
export function steadyLoad(port: number, clients = 10) {
  let running = true;
  const tally = { sent: 0, failed: 0, failures: [] as string[], versions: new Map<string, number>() };
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      tally.sent += 1;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        const body = (await response.json()) as { version?: string };
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        tally.versions.set(body.version ?? '?', (tally.versions.get(body.version ?? '?') ?? 0) + 1);
      } catch (error) {
        tally.failed += 1;
        if (tally.failures.length < 20) tally.failures.push(String(error));
      }
    }
  });
  return {
    tally,
    async stop() {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}

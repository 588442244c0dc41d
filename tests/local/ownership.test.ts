// needs: Postgres, Temporal dev server, the local target (real processes)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';
import { localServiceKey } from '../../src/targets/local/service-key.ts';
import { connectSupervisor, ensureSupervisor, stopSupervisor, type SupervisorClient } from '../../src/targets/local/supervisor-client.ts';
import { OwnedElsewhereError } from '../../src/targets/ownership.ts';
import { releaseTarget, type TargetDeps } from '../../src/targets/registry.ts';
import { postRelease, untilStatus } from '../support/deployment-waits.ts';
import { createTestWorkspace, type TestWorkspace } from '../support/harness.ts';
import { localDefinition, localTimings, useLocalReleaseFixture } from '../support/local-release.ts';
import { localPorts, sampleColor, sampleRelease, waitReady } from '../support/local-supervisor.ts';
import { freePort } from '../support/ports.ts';

// Local services are the supervisor's, keyed by workspace, environment and name: two workspaces' services of
// one name are two services, and the ports one of them holds are refused to the other.

const { ctx, register, release, until, serving } = useLocalReleaseFixture('local-owner');

type Ports = Awaited<ReturnType<typeof localPorts>>;

/** Registers a local service of another workspace, on fresh ports. */
async function registerFor(workspace: TestWorkspace, name: string): Promise<Ports> {
  const ports = await localPorts();
  const response = await ctx.harness.call('POST', '/api/v1/services', {
    token: workspace.tokens.operator,
    body: { name, environment: 'staging', definition: localDefinition(ports) },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ports;
}

const releaseFor = (workspace: TestWorkspace, service: string, version: '1.0.0' | '2.0.0') =>
  postRelease(ctx.harness, workspace.tokens.operator, {
    service,
    version,
    image: sampleRelease(version),
    strategy: 'blue-green',
    options: { timings: localTimings },
  });

const staging = (workspace: { id: string }) => ({ workspaceId: workspace.id, environment: 'staging' });

async function supervisor(): Promise<SupervisorClient> {
  const client = await connectSupervisor(ctx.supervisor);
  if (!client) throw new Error('the fixture supervisor does not answer');
  return client;
}

describe('local services of two workspaces', () => {
  it("run side by side in one supervisor under one name, and a release of one leaves the other's alone", async () => {
    const other = await createTestWorkspace(ctx.harness.db, 'local-owner-b');
    const mine = await register('shop');
    const theirs = await registerFor(other, 'shop');

    const [a, b] = await Promise.all([release('shop', '1.0.0'), releaseFor(other, 'shop', '2.0.0')]);
    const [doneA, doneB] = await Promise.all([until(a.id), untilStatus(ctx.harness, other.tokens.viewer, b.id)]);
    expect(doneA.status, doneA.reason ?? '').toBe('succeeded');
    expect(doneB.status, doneB.reason ?? '').toBe('succeeded');
    expect(await serving(mine.port)).toEqual({ status: 200, version: '1.0.0', color: 'blue' });
    expect(await serving(theirs.port)).toEqual({ status: 200, version: '2.0.0', color: 'blue' });

    const client = await supervisor();
    const keyA = localServiceKey(staging(ctx.workspace), 'shop');
    const keyB = localServiceKey(staging(other), 'shop');
    const statusA = (await client.getService(keyA))!;
    const statusB = (await client.getService(keyB))!;
    expect(statusA).toMatchObject({ key: keyA, port: mine.port, colors: { blue: { version: '1.0.0', port: mine.blue } } });
    expect(statusB).toMatchObject({ key: keyB, port: theirs.port, colors: { blue: { version: '2.0.0', port: theirs.blue } } });

    // A's next release takes A's traffic to green; B's process, routes and colours stay exactly as they were.
    const next = await until((await release('shop', '2.0.0')).id);
    expect(next.status, next.reason ?? '').toBe('succeeded');
    expect(await serving(mine.port)).toEqual({ status: 200, version: '2.0.0', color: 'green' });
    expect(await serving(theirs.port)).toEqual({ status: 200, version: '2.0.0', color: 'blue' });
    const afterB = (await client.getService(keyB))!;
    expect(afterB.routes).toEqual(statusB.routes);
    expect(afterB.colors.green).toBeUndefined();
    expect(afterB.colors.blue).toMatchObject({ pid: statusB.colors.blue!.pid, restarts: 0, version: '2.0.0' });
  });

  it("refuses a service of another workspace on ports one of them holds, and the holder keeps serving", async () => {
    const other = await createTestWorkspace(ctx.harness.db, 'local-owner-c');
    const held = await register('till');
    expect((await until((await release('till', '1.0.0')).id)).status).toBe('succeeded');
    const client = await supervisor();
    const before = (await client.getService(localServiceKey(staging(ctx.workspace), 'till')))!;

    const deps: TargetDeps = {
      kube: () => {
        throw new Error('no cluster in this test');
      },
      local: supervisor,
    };
    // The same name and the holder's public port, in another workspace: refused before anything runs.
    const onTheProxyPort = releaseTarget(deps, staging(other), 'till', serviceDefinitionSchema.parse(localDefinition({ ...(await localPorts()), port: held.port })));
    await expect(onTheProxyPort.deploy('blue', sampleRelease('2.0.0'), '2.0.0')).rejects.toBeInstanceOf(OwnedElsewhereError);
    // Its own proxy ports, but a colour on the port of the holder's blue process.
    const fresh = await localPorts();
    const onTheColorPort = releaseTarget(deps, staging(other), 'till', serviceDefinitionSchema.parse(localDefinition({ ...fresh, blue: held.blue })));
    const refused: unknown = await onTheColorPort.deploy('blue', sampleRelease('2.0.0'), '2.0.0').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OwnedElsewhereError);
    expect((refused as OwnedElsewhereError).describeFor(staging(other))).toBe(`port local/${held.blue} belongs to another service`);

    expect(await serving(held.port)).toEqual({ status: 200, version: '1.0.0', color: 'blue' });
    const after = (await client.getService(localServiceKey(staging(ctx.workspace), 'till')))!;
    expect(after.routes).toEqual(before.routes);
    expect(after.colors.blue).toMatchObject({ pid: before.colors.blue!.pid, restarts: 0 });
    expect((await client.getService(localServiceKey(staging(other), 'till')))?.colors ?? {}).toEqual({});
  });
});

describe('a supervisor restored from an older state file', () => {
  const owner = { workspaceId: '4f1d2c3b-0000-4000-8000-00000000000a', environment: 'staging' };

  it("keeps serving the services it keyed by name and port, and the owner's first write takes its service over", async () => {
    const address = { dataDir: mkdtempSync(path.join(tmpdir(), 'cutover-legacy-')), port: await freePort() };
    const ports = await localPorts();
    const legacyKey = `shop-${ports.port}`;
    // What an older Cutover wrote: services keyed `<name>-<public port>`, no owner.
    writeFileSync(
      path.join(address.dataDir, 'state.json'),
      JSON.stringify({
        [legacyKey]: {
          port: ports.port,
          previewPort: ports.previewPort,
          host: '127.0.0.1',
          routes: { weights: { blue: 100, green: 0 }, preview: null },
          colors: { blue: { spec: sampleColor('1.0.0', ports.blue), pid: null, stopped: false } },
        },
      }),
    );
    try {
      const client = await ensureSupervisor(address);
      await waitReady(client, legacyKey, 'blue');
      expect(await serving(ports.port)).toEqual({ status: 200, version: '1.0.0', color: 'blue' });
      const pid = (await client.getService(legacyKey))!.colors.blue!.pid;

      const target = releaseTarget(
        { kube: () => ({}) as never, local: () => Promise.resolve(client) },
        owner,
        'shop',
        serviceDefinitionSchema.parse(localDefinition(ports)),
      );
      // Read through the old key until a write declares the service under its owner's.
      expect(await target.activeColor()).toBe('blue');
      expect(await target.select('preview', 'blue')).toBe(true);
      const key = localServiceKey(owner, 'shop');
      expect(await client.getService(legacyKey)).toBeUndefined();
      expect(await client.getService(key)).toMatchObject({ key, routes: { weights: { blue: 100, green: 0 }, preview: 'blue' }, colors: { blue: { pid } } });
      expect(Object.keys(JSON.parse(readFileSync(path.join(address.dataDir, 'state.json'), 'utf8')) as object)).toEqual([key]);
      expect(await serving(ports.port)).toEqual({ status: 200, version: '1.0.0', color: 'blue' });
    } finally {
      await stopSupervisor(address);
      rmSync(address.dataDir, { recursive: true, force: true });
    }
  });

  it('starts with nothing, and keeps the file aside, when the state file cannot be read', async () => {
    const address = { dataDir: mkdtempSync(path.join(tmpdir(), 'cutover-unreadable-')), port: await freePort() };
    writeFileSync(path.join(address.dataDir, 'state.json'), '{"shop-1": {');
    try {
      const client = await ensureSupervisor(address);
      expect(await client.getService('shop-1')).toBeUndefined();
      expect(readdirSync(address.dataDir).some((file) => file.startsWith('state.json.unreadable-'))).toBe(true);
      expect(existsSync(path.join(address.dataDir, 'state.json'))).toBe(true);
    } finally {
      await stopSupervisor(address);
      rmSync(address.dataDir, { recursive: true, force: true });
    }
  });
});

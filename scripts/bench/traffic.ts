// `npm run bench:traffic`: time to apply and verify a weight change through each traffic provider — the stable
// Service's selector (0/100 flips), a Gateway API HTTPRoute and the local proxy — with the providers' own code
// against the real local Kubernetes API server and a real local supervisor. Prints p50/p99 per provider.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';
import { createKubeClients } from '../../src/targets/kubernetes/client.ts';
import { LocalBlueGreen } from '../../src/targets/local/blue-green.ts';
import { ensureSupervisor, stopSupervisor } from '../../src/targets/local/supervisor-client.ts';
import type { TargetDeps } from '../../src/targets/registry.ts';
import { trafficRouter } from '../../src/traffic/registry.ts';
import type { ColorWeights, TrafficRouter } from '../../src/traffic/router.ts';
import { freePort } from '../../tests/support/ports.ts';
import { testClusterKubeconfig } from './cluster.ts';
import { summarize } from './stats.ts';

const runs = Number(process.env.BENCH_RUNS ?? 50);
const root = fileURLToPath(new URL('../..', import.meta.url));
const kubeconfig = testClusterKubeconfig();
const kube = createKubeClients(kubeconfig);
const supervisor = { dataDir: mkdtempSync(path.join(tmpdir(), 'cutover-bench-traffic-')), port: await freePort() };
const deps: TargetDeps = { kube: () => kube, local: () => ensureSupervisor(supervisor) };
const namespace = `bench-traffic-${Date.now().toString(36)}`;
/** Whose objects the bench's services are (labels, the supervisor's key); nothing else lives in its namespace. */
const benchOwner = { workspaceId: 'bench', environment: 'bench' };

/** Alternates between two splits: each run is a real change, applied, then read back on its own. */
async function measure(router: TrafficRouter, splits: [ColorWeights, ColorWeights]) {
  await router.setWeights(splits[1]);
  const apply: number[] = [];
  const applyAndVerify: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const weights = splits[i % 2]!;
    const started = performance.now();
    await router.setWeights(weights);
    apply.push(performance.now() - started);
    if ((await router.verifyWeights(weights)) !== true) throw new Error(`${router.type}: run ${i} did not read back ${JSON.stringify(weights)}`);
    applyAndVerify.push(performance.now() - started);
  }
  return { apply: summarize(apply), applyAndVerify: summarize(applyAndVerify) };
}

try {
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  const kubeDefinition = (traffic: unknown) =>
    serviceDefinitionSchema.parse({ namespace, image: 'registry.example/bench:1', replicas: 1, ports: [{ port: 80 }], traffic });
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const localDefinition = serviceDefinitionSchema.parse({
    target: 'local',
    image: path.join(root, 'examples/sample-app/releases/1.0.0.mjs'),
    local: { command: [process.execPath, '${image}'], port: ports[0], previewPort: ports[1], colorPorts: { blue: ports[2], green: ports[3] } },
  });
  if (localDefinition.target !== 'local') throw new Error('expected a local definition');
  const localTarget = new LocalBlueGreen(deps.local, benchOwner, 'bench', localDefinition);
  await localTarget.deploy('blue', localDefinition.image, '1.0.0');
  await localTarget.deploy('green', localDefinition.image, '1.0.0');
  for (;;) {
    const [blue, green] = await Promise.all([localTarget.podHealth('blue'), localTarget.podHealth('green')]);
    if (blue.ready && green.ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const allBlue = { blue: 100, green: 0 };
  const allGreen = { blue: 0, green: 100 };
  const cases = [
    { name: 'service-selector (0/100 flips)', router: trafficRouter(deps, benchOwner, 'selector', kubeDefinition({ provider: 'service-selector' })), splits: [allBlue, allGreen] },
    {
      name: 'gateway-api (HTTPRoute 90/10 ↔ 50/50)',
      router: trafficRouter(deps, benchOwner, 'gateway', kubeDefinition({ provider: 'gateway-api', gateway: { name: 'public' } })),
      splits: [{ blue: 90, green: 10 }, { blue: 50, green: 50 }],
    },
    { name: 'local-proxy (90/10 ↔ 50/50)', router: trafficRouter(deps, benchOwner, 'bench', localDefinition), splits: [{ blue: 90, green: 10 }, { blue: 50, green: 50 }] },
  ] as const;

  const fmt = (ms: number) => `${ms.toFixed(1)} ms`.padStart(9);
  console.log(`\nbench:traffic (${runs} weight changes per provider)`);
  console.log(`  ${'provider'.padEnd(40)} ${'apply p50'.padStart(9)} ${'apply p99'.padStart(9)}   ${'+verify p50'.padStart(11)} ${'+verify p99'.padStart(11)}`);
  for (const { name, router, splits } of cases) {
    const result = await measure(router, splits as [ColorWeights, ColorWeights]);
    console.log(
      `  ${name.padEnd(40)} ${fmt(result.apply.p50)} ${fmt(result.apply.p99)}   ${fmt(result.applyAndVerify.p50).padStart(11)} ${fmt(result.applyAndVerify.p99).padStart(11)}`,
    );
  }
  console.log('  apply: the provider writes the weights and checks the answer of the write; verify: a separate read-back.');
} finally {
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await stopSupervisor(supervisor);
  rmSync(supervisor.dataDir, { recursive: true, force: true });
}

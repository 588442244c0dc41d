// needs: nothing (an HTTP server on loopback)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeResponse, readJsonPath } from '../../src/activities/lib/http-check.ts';
import { createHttpCheckActivities } from '../../src/activities/smoke.ts';
import { bindingPolicySchema, type BindingLookup, type BindingPolicy, type ResolvedBinding, type TargetKind } from '../../src/bindings/policy.ts';
import { localDefinitionSchema, smokeCheckSchema } from '../../src/services/definition.ts';

const check = (fields: Record<string, unknown>) => smokeCheckSchema.parse({ name: 'c', path: '/x', ...fields });

describe('smoke check judgement', () => {
  it('compares the status', () => {
    expect(judgeResponse(check({}), 200, '')).toBeUndefined();
    expect(judgeResponse(check({ expectStatus: 204 }), 200, '')).toBe('expected status 204, got 200');
  });

  it('looks for a body substring', () => {
    expect(judgeResponse(check({ bodyContains: 'ready' }), 200, 'all ready')).toBeUndefined();
    expect(judgeResponse(check({ bodyContains: 'ready' }), 200, 'booting')).toMatch(/does not contain/);
  });

  it('compares a JSON path', () => {
    const byPath = check({ jsonPath: 'checks.0.db', equals: 'up' });
    expect(judgeResponse(byPath, 200, '{"checks":[{"db":"up"}]}')).toBeUndefined();
    expect(judgeResponse(byPath, 200, '{"checks":[{"db":"down"}]}')).toBe('checks.0.db is "down", expected "up"');
    expect(judgeResponse(byPath, 200, 'not json')).toBe('body is not JSON');
  });

  it('reads JSON paths safely', () => {
    expect(readJsonPath({ a: { b: [1, 2] } }, 'a.b.1')).toBe(2);
    expect(readJsonPath({ a: null }, 'a.b')).toBeUndefined();
    expect(readJsonPath('text', 'a')).toBeUndefined();
  });

  it('needs jsonPath and equals together', () => {
    expect(smokeCheckSchema.safeParse({ name: 'c', path: '/x', jsonPath: 'a' }).success).toBe(false);
  });
});

// The smoke, health and Prometheus activities against real HTTP servers on 127.0.0.1, under a binding the
// test builds: the egress policy decides where each request may go.

interface Fixture {
  port: number;
  origin: string;
  paths: string[];
  close(): Promise<void>;
}

async function startFixture(answers: Record<string, { status?: number; body: string }>): Promise<Fixture> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    paths.push(request.url ?? '/');
    const answer = answers[url.pathname] ?? { status: 404, body: 'no such path' };
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    origin: `http://127.0.0.1:${address.port}`,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const scope = { workspaceId: '11111111-1111-4111-8111-111111111111', environment: 'staging' };

function binding(kind: TargetKind, policy: Partial<BindingPolicy>): ResolvedBinding {
  return { id: `binding-${kind}`, ...scope, target: { id: `target-${kind}`, name: kind, kind }, policy: bindingPolicySchema.parse(policy) };
}

/** A lookup holding the given bindings of the test's scope (and none of any other scope). */
function lookupOf(...held: ResolvedBinding[]): BindingLookup {
  return (asked, kind) =>
    Promise.resolve(asked.workspaceId === scope.workspaceId ? held.find((candidate) => candidate.target.kind === kind) : undefined);
}

describe('smoke checks, health probes and Prometheus queries under the egress policy', () => {
  let preview: Fixture;
  let stable: Fixture;
  /** Stands in for a platform port (Postgres, Temporal): nothing may ever reach it. */
  let platform: Fixture;
  let localPorts: { from: number; to: number };
  const big = JSON.stringify({ status: { db: 'x'.repeat(100_000) } });

  beforeAll(async () => {
    preview = await startFixture({ '/ready': { body: '{"status":{"db":"up"}}' }, '/big': { body: big } });
    stable = await startFixture({ '/healthz': { body: 'ok' }, '/prom/api/v1/query': { body: '{"status":"success","data":{"result":[{"value":[1,"0.25"]}]}}' } });
    platform = await startFixture({ '/': { body: 'platform' } });
    localPorts = { from: Math.min(preview.port, stable.port), to: Math.max(preview.port, stable.port) };
  });
  afterAll(async () => {
    await Promise.all([preview.close(), stable.close(), platform.close()]);
  });

  const localService = (fields: Record<string, unknown> = {}) =>
    localDefinitionSchema.parse({
      target: 'local',
      image: 'app.js',
      local: { port: stable.port, previewPort: preview.port, colorPorts: { blue: 1, green: 2 } },
      ...fields,
    });
  const activitiesWith = (...held: ResolvedBinding[]) => createHttpCheckActivities({ bindings: lookupOf(...held), platformPorts: [platform.port] });
  const checks = [check({ name: 'ready', path: '/ready', jsonPath: 'status.db', equals: 'up' })];

  it("passes a check on the service's own preview endpoint when the binding grants its ports", async () => {
    const activities = activitiesWith(binding('local', { localPorts }));
    const [result] = await activities.runSmokeChecks({ ...scope, service: 'web', definition: localService(), checks });
    expect(result).toMatchObject({ name: 'ready', passed: true, status: 200 });
  });

  it('fails the check, naming the rule, when the endpoint is outside the binding, and sends nothing', async () => {
    const before = preview.paths.length;
    const outside = activitiesWith(binding('local', { localPorts: { from: 1024, to: 1100 } }));
    const [result] = await outside.runSmokeChecks({ ...scope, service: 'web', definition: localService(), checks });
    expect(result).toMatchObject({ passed: false, reason: "refused: 127.0.0.1 is not in the binding's egress CIDRs", attempts: 1 });
    expect(preview.paths.length).toBe(before);

    const activities = activitiesWith(binding('local', { localPorts, egress: { hosts: [], cidrs: ['127.0.0.0/8'] } }));
    const metadata = localService({ endpoints: { preview: 'http://169.254.169.254' } });
    const [toMetadata] = await activities.runSmokeChecks({ ...scope, service: 'web', definition: metadata, checks });
    expect(toMetadata).toMatchObject({ passed: false, reason: 'refused: 169.254.169.254 is cloud metadata (link-local)' });
    const toPlatform = localService({ endpoints: { preview: platform.origin } });
    const [platformCheck] = await activities.runSmokeChecks({ ...scope, service: 'web', definition: toPlatform, checks });
    expect(platformCheck?.reason).toBe(`refused: port ${platform.port} is one of the platform's own ports (on 127.0.0.1)`);
    // A path that names another host (it came through a workflow input, not the API) never leaves the service.
    const [sneaky] = await activities.runSmokeChecks({ ...scope, service: 'web', definition: localService(), checks: [{ ...checks[0]!, path: '//169.254.169.254/latest' }] });
    expect(sneaky?.reason).toBe("refused: the path is not a path on the service's own endpoint");
    expect(platform.paths).toEqual([]);
  });

  it('reads at most 64 KiB of an answer and echoes no more than a little of it', async () => {
    const activities = activitiesWith(binding('local', { localPorts }));
    const [substring, json] = await activities.runSmokeChecks({
      ...scope,
      service: 'web',
      definition: localService(),
      checks: [check({ name: 'big', path: '/big', bodyContains: '"status"' }), check({ name: 'json', path: '/big', jsonPath: 'status.db', equals: 'up' })],
    });
    expect(substring).toMatchObject({ passed: true });
    expect(json).toMatchObject({ passed: false, reason: 'body is not JSON (only the first 64 KiB of the answer are read)' });
    expect(judgeResponse(check({ jsonPath: 'a', equals: 'up' }), 200, JSON.stringify({ a: 'y'.repeat(10_000) }))?.length).toBeLessThan(260);
  });

  it('fails for good (BoundaryViolation) when the environment has no binding for the target', async () => {
    const unbound = activitiesWith(binding('kubernetes', { namespaces: ['shop'] }));
    const running = unbound.runSmokeChecks({ ...scope, service: 'web', definition: localService(), checks });
    await expect(running).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(running).rejects.toMatchObject({ type: 'BoundaryViolation', nonRetryable: true });
  });

  it("probes the stable endpoint's health, and refuses a probe of a platform port", async () => {
    const activities = activitiesWith(binding('local', { localPorts }));
    expect(await activities.probeHealth({ ...scope, service: 'web', definition: localService(), path: '/healthz', timeoutMs: 2_000 })).toEqual({ ok: true, status: 200 });
    const toPlatform = localService({ endpoints: { stable: platform.origin } });
    const probed = await activities.probeHealth({ ...scope, service: 'web', definition: toPlatform, path: '/', timeoutMs: 2_000 });
    expect(probed).toEqual({ ok: false, reason: `refused: port ${platform.port} is one of the platform's own ports (on 127.0.0.1)` });
    expect(platform.paths).toEqual([]);
  });

  it("queries Prometheus under its base path, with the environment's binding (Kubernetes, else local)", async () => {
    const query = { ...scope, url: `${stable.origin}/prom/`, query: 'up' };
    const allowed = activitiesWith(binding('local', { egress: { hosts: [], cidrs: ['127.0.0.1/32'] } }));
    expect(await allowed.queryPrometheus(query)).toEqual({ value: 0.25 });
    expect(stable.paths.at(-1)).toBe('/prom/api/v1/query?query=up');

    const kubeFirst = activitiesWith(binding('kubernetes', {}), binding('local', { egress: { hosts: [], cidrs: ['127.0.0.1/32'] } }));
    expect(await kubeFirst.queryPrometheus(query)).toEqual({ value: null, reason: "prometheus: refused: 127.0.0.1 is not in the binding's egress CIDRs" });
    await expect(activitiesWith().queryPrometheus(query)).rejects.toMatchObject({ type: 'BoundaryViolation', nonRetryable: true });
  });
});

// needs: nothing (the activity runs in Temporal's MockActivityEnvironment against loopback HTTP servers)
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalysisActivities, type MeasureMetricInput } from '../../src/activities/analysis.ts';
import type { Measurement } from '../../src/analysis/types.ts';
import { bindingPolicySchema, type BindingLookup, type BindingPolicy, type ResolvedBinding, type TargetKind } from '../../src/bindings/policy.ts';
import { freePort } from '../support/ports.ts';

// The measuring activity against fixture HTTP servers standing in for a metrics endpoint and Prometheus.
// The activity runs in Temporal's MockActivityEnvironment, which gives it a real activity Context
// (cancellation, heartbeats); no Kubernetes is needed for these providers, so none is given.

/** What the fixture answers on a path: a JSON body (or raw text), a status, and how long it waits first. */
interface Reply {
  status?: number;
  body?: unknown;
  raw?: string;
  delayMs?: number;
}

/** A request the fixture got. */
interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server answering per path what the test sets, and recording every request. */
async function startMetricsFixture() {
  const replies = new Map<string, Reply>();
  const requests: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '/';
      requests.push({ method: request.method ?? '', url, headers: request.headers, body: Buffer.concat(chunks).toString() });
      const reply = replies.get(url.split('?')[0] ?? url) ?? { status: 404, body: { error: 'no such fixture path' } };
      setTimeout(() => {
        response.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        response.end(reply.raw ?? JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the fixture has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    on: (path: string, reply: Reply) => replies.set(path, reply),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whose analysis it is: the activity checks its places against that workspace environment's binding. */
const scope = { workspaceId: '00000000-0000-0000-0000-000000000000', environment: 'staging' };

/** A binding of the test's scope; the fixtures listen on 127.0.0.1, which its egress CIDRs must allow. */
function binding(kind: TargetKind, policy: Partial<BindingPolicy>): ResolvedBinding {
  return { id: `binding-${kind}`, ...scope, target: { id: `target-${kind}`, name: kind, kind }, policy: bindingPolicySchema.parse(policy) };
}
const lookupOf =
  (...held: ResolvedBinding[]): BindingLookup =>
  (asked, kind) =>
    Promise.resolve(asked.workspaceId === scope.workspaceId && asked.environment === scope.environment ? held.find((one) => one.target.kind === kind) : undefined);
const loopbackAllowed = binding('local', { egress: { hosts: [], cidrs: ['127.0.0.1/32'] } });

const activitiesWith = (bindings: BindingLookup, platformPorts: number[] = []) =>
  createAnalysisActivities({
    kube: () => {
      throw new Error('these metrics need no Kubernetes');
    },
    bindings,
    platformPorts,
  });
const activities = activitiesWith(lookupOf(loopbackAllowed));

function measureIn(env: MockActivityEnvironment, input: MeasureMetricInput, using = activities): Promise<Measurement> {
  return env.run((measured: MeasureMetricInput) => using.measureMetric(measured), input);
}
/** An activity environment of its own per measurement; its logger keeps the expected failures quiet. */
const environment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const measure = (input: MeasureMetricInput, using = activities) => measureIn(environment(), input, using);

/** A web metric reading `data.errorRate`, successful under 5 %, failed from 10 %. */
const errorRate = (url: string) => ({
  name: 'error-rate',
  provider: { type: 'web' as const, url, jsonPath: 'data.errorRate', headers: {}, timeoutMs: 2_000 },
  intervalMs: 100,
  count: 1,
  successCondition: 'result < 0.05',
  failureCondition: 'result >= 0.1',
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
});

describe('measuring a web metric', () => {
  let fixture: Awaited<ReturnType<typeof startMetricsFixture>>;
  beforeAll(async () => {
    fixture = await startMetricsFixture();
  });
  afterAll(() => fixture.close());

  it('is successful when the success condition holds, failed when the failure condition does', async () => {
    fixture.on('/good', { body: { data: { errorRate: 0.01 } } });
    fixture.on('/bad', { body: { data: { errorRate: 0.2 } } });
    fixture.on('/meh', { body: { data: { errorRate: 0.07 } } });
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/good`), args: {} })).toMatchObject({ phase: 'successful', value: 0.01 });
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/bad`), args: {} })).toMatchObject({ phase: 'failed', value: 0.2 });
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/meh`), args: {} })).toMatchObject({ phase: 'inconclusive', value: 0.07 });
    const measured = await measure({ ...scope, metric: errorRate(`${fixture.url}/good`), args: {} });
    expect(Date.parse(measured.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is inconclusive when the value is missing or null: no data neither passes nor fails', async () => {
    fixture.on('/missing', { body: { data: {} } });
    fixture.on('/null', { body: { data: { errorRate: null } } });
    for (const path of ['/missing', '/null']) {
      const measured = await measure({ ...scope, metric: errorRate(`${fixture.url}${path}`), args: {} });
      expect(measured).toMatchObject({ phase: 'inconclusive', value: null, message: expect.stringMatching(/^no data: data\.errorRate/) as unknown });
    }
  });

  it('is an error when the endpoint answers 500, is unreachable, times out or answers no JSON', async () => {
    fixture.on('/broken', { status: 500, body: { error: 'boom' } });
    fixture.on('/slow', { body: { data: { errorRate: 0 } }, delayMs: 1_500 });
    fixture.on('/html', { raw: '<html>hello</html>' });
    const nobody = `http://127.0.0.1:${await freePort()}/metrics`;
    const slow = { ...errorRate(`${fixture.url}/slow`), provider: { ...errorRate('').provider, url: `${fixture.url}/slow`, timeoutMs: 200 } };

    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/broken`), args: {} })).toMatchObject({ phase: 'error', message: expect.stringMatching(/HTTP 500/) as unknown });
    expect(await measure({ ...scope, metric: errorRate(nobody), args: {} })).toMatchObject({ phase: 'error', message: expect.stringMatching(/failed: fetch failed: .*ECONNREFUSED/) as unknown });
    expect(await measure({ ...scope, metric: slow, args: {} })).toMatchObject({ phase: 'error', message: expect.stringMatching(/timed out after 200 ms/) as unknown });
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/html`), args: {} })).toMatchObject({ phase: 'error', message: expect.stringMatching(/did not answer JSON/) as unknown });
  });

  it('fills {{args.x}} in the URL and headers, and conditions read args.<name> and object fields', async () => {
    fixture.on('/services/checkout/health', { body: { status: 'ok', checks: [{ ok: true }] } });
    const metric = {
      ...errorRate(''),
      name: 'health',
      provider: { type: 'web' as const, url: '{{args.base}}/services/{{ args.service }}/health', headers: { authorization: 'Bearer {{args.token}}' }, timeoutMs: 2_000 },
      successCondition: 'result.status == args.expected && result.checks.all(c, c.ok)',
      failureCondition: undefined,
    };
    const args = { base: fixture.url, service: 'checkout', token: 's3cret', expected: 'ok' };
    const measured = await measure({ ...scope, metric, args });
    expect(measured).toMatchObject({ phase: 'successful', value: '{"status":"ok","checks":[{"ok":true}]}' });
    const seen = fixture.requests.find((request) => request.url === '/services/checkout/health');
    expect(seen?.headers.authorization).toBe('Bearer s3cret');
  });

  it('fails for good (InvalidAnalysis) when the metric names an argument the analysis lacks or is not valid', async () => {
    const unknownArg = measure({ ...scope, metric: errorRate('{{args.base}}/metrics'), args: {} });
    await expect(unknownArg).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(unknownArg).rejects.toMatchObject({ type: 'InvalidAnalysis', nonRetryable: true, message: expect.stringMatching(/args\.base/) as unknown });

    const inCondition = measure({ ...scope, metric: { ...errorRate(`${fixture.url}/good`), successCondition: 'result < double(args.max)' }, args: {} });
    await expect(inCondition).rejects.toMatchObject({ type: 'InvalidAnalysis', message: expect.stringMatching(/args\.max/) as unknown });

    const badCondition = measure({ ...scope, metric: { ...errorRate(`${fixture.url}/good`), successCondition: 'result <' }, args: {} });
    await expect(badCondition).rejects.toMatchObject({
      type: 'InvalidAnalysis',
      nonRetryable: true,
      message: 'metric error-rate is not valid: successCondition: not a valid condition: Unexpected token: EOF',
    });
  });

  it('is an error naming the rule, with nothing sent, when the egress policy refuses the URL', async () => {
    fixture.on('/good', { body: { data: { errorRate: 0.01 } } });
    const before = fixture.requests.length;
    // The Kubernetes binding comes first; it does not allow loopback, though the local one would.
    const kubeFirst = activitiesWith(lookupOf(binding('kubernetes', { namespaces: ['shop'] }), loopbackAllowed));
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/good`), args: {} }, kubeFirst)).toMatchObject({
      phase: 'error',
      message: `GET ${fixture.url}/good refused: 127.0.0.1 is not in the binding's egress CIDRs`,
    });
    const platformPort = Number(new URL(fixture.url).port);
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/good`), args: {} }, activitiesWith(lookupOf(loopbackAllowed), [platformPort]))).toMatchObject({
      phase: 'error',
      message: `GET ${fixture.url}/good refused: port ${platformPort} is one of the platform's own ports (on 127.0.0.1)`,
    });
    // The URL is filled in from the arguments in the activity: checked after that, where it is fetched.
    expect(await measure({ ...scope, metric: errorRate('{{args.base}}/latest/meta-data'), args: { base: 'http://169.254.169.254' } })).toMatchObject({
      phase: 'error',
      message: 'GET http://169.254.169.254/latest/meta-data refused: 169.254.169.254 is cloud metadata (link-local)',
    });
    expect(fixture.requests.length).toBe(before);
  });

  it('fails for good (BoundaryViolation) when the environment has no binding at all', async () => {
    const unbound = measure({ ...scope, metric: errorRate(`${fixture.url}/good`), args: {} }, activitiesWith(lookupOf()));
    await expect(unbound).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(unbound).rejects.toMatchObject({ type: 'BoundaryViolation', nonRetryable: true });
  });

  it('reads at most 1 MiB of an answer, and keeps at most 1,000 characters of a value', async () => {
    fixture.on('/huge', { raw: JSON.stringify({ data: { errorRate: 'x'.repeat(2 * 1024 * 1024) } }) });
    fixture.on('/long', { body: { data: { errorRate: 'y'.repeat(5_000) } } });
    expect(await measure({ ...scope, metric: errorRate(`${fixture.url}/huge`), args: {} })).toMatchObject({ phase: 'error', message: `GET ${fixture.url}/huge answered more than 1024 KiB` });
    const long = await measure({ ...scope, metric: { ...errorRate(`${fixture.url}/long`), successCondition: undefined, failureCondition: undefined }, args: {} });
    expect(String(long.value).length).toBe(1_000);
  });

  it('stops the request and reports the cancellation when the activity is cancelled', async () => {
    fixture.on('/hang', { body: { data: { errorRate: 0 } }, delayMs: 10_000 });
    const env = environment();
    const before = fixture.requests.length;
    const running = measureIn(env, { ...scope, metric: { ...errorRate(''), provider: { ...errorRate('').provider, url: `${fixture.url}/hang`, timeoutMs: 30_000 } }, args: {} });
    await expect.poll(() => fixture.requests.length).toBe(before + 1);
    const started = Date.now();
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('measuring a Prometheus metric', () => {
  let prometheus: Awaited<ReturnType<typeof startMetricsFixture>>;
  beforeAll(async () => {
    prometheus = await startMetricsFixture();
  });
  afterAll(() => prometheus.close());

  /** Prometheus' answer to an instant query (https://prometheus.io/docs/prometheus/latest/querying/api/). */
  const vector = (...samples: string[]) => ({
    status: 'success',
    data: { resultType: 'vector', result: samples.map((sample, i) => ({ metric: { job: `web-${i}` }, value: [1_700_000_000.5, sample] })) },
  });
  const metric = (prefix: string, query = 'sum(rate(http_requests_total{code=~"5..",service="{{args.service}}"}[1m]))') => ({
    ...errorRate(''),
    name: 'p-errors',
    provider: { type: 'prometheus' as const, url: `${prometheus.url}/${prefix}/`, query, timeoutMs: 2_000 },
  });

  it('judges the first sample of the vector, posting the query with its arguments filled in', async () => {
    prometheus.on('/ok/api/v1/query', { body: vector('0.02', '0.9') });
    prometheus.on('/high/api/v1/query', { body: vector('0.3') });
    expect(await measure({ ...scope, metric: metric('ok'), args: { service: 'checkout' } })).toMatchObject({ phase: 'successful', value: 0.02 });
    expect(await measure({ ...scope, metric: metric('high'), args: { service: 'checkout' } })).toMatchObject({ phase: 'failed', value: 0.3 });

    const seen = prometheus.requests.find((request) => request.url === '/ok/api/v1/query');
    expect(seen?.method).toBe('POST');
    expect(new URLSearchParams(seen?.body).get('query')).toBe('sum(rate(http_requests_total{code=~"5..",service="checkout"}[1m]))');
  });

  it('is inconclusive for an empty vector or NaN, and reads a scalar', async () => {
    prometheus.on('/empty/api/v1/query', { body: vector() });
    prometheus.on('/nan/api/v1/query', { body: vector('NaN') });
    prometheus.on('/scalar/api/v1/query', { body: { status: 'success', data: { resultType: 'scalar', result: [1_700_000_000, '0.01'] } } });
    expect(await measure({ ...scope, metric: metric('empty'), args: { service: 'x' } })).toMatchObject({
      phase: 'inconclusive',
      value: null,
      message: 'no data: the query returned an empty vector',
    });
    expect(await measure({ ...scope, metric: metric('nan'), args: { service: 'x' } })).toMatchObject({ phase: 'inconclusive', message: 'no data: the query returned NaN' });
    expect(await measure({ ...scope, metric: metric('scalar'), args: { service: 'x' } })).toMatchObject({ phase: 'successful', value: 0.01 });
  });

  it("is an error when Prometheus rejects the query, with Prometheus' reason", async () => {
    prometheus.on('/bad/api/v1/query', { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' } });
    prometheus.on('/range/api/v1/query', { body: { status: 'success', data: { resultType: 'matrix', result: [] } } });
    expect(await measure({ ...scope, metric: metric('bad', 'sum('), args: {} })).toMatchObject({
      phase: 'error',
      message: expect.stringMatching(/HTTP 400: parse error: unexpected end of input$/) as unknown,
    });
    expect(await measure({ ...scope, metric: metric('range', 'up[5m]'), args: {} })).toMatchObject({ phase: 'error', message: expect.stringMatching(/got matrix/) as unknown });
  });
});

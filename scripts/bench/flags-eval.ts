// One side of the local-evaluation comparison of `npm run bench:flags`, in a process of its own (started and pinned
// by the bench, which runs one round at a time, the sides taking turns): `cutover` is the in-repo OpenFeature
// provider fed by the API's flag stream (BENCH_API_URL, BENCH_TOKEN, BENCH_ENVIRONMENT), evaluated directly
// (provider.resolve) and through an OpenFeature client; `unleash` is unleash-client in offline mode, bootstrapped
// with the same flags. Both evaluate the same flags for the same contexts.
//
// Messages (IPC): first { ready, answers } (one answer per context × flag, for the agreement check); then, for
// each { round, target, evaluations }, { round, seconds, batchNs } — the round's wall time and the time of each
// batch of `batch` evaluations (hrtime), from which the bench takes evaluations/s and a per-evaluation p99.
import { OpenFeature, type Client as OpenFeatureClient } from '@openfeature/server-sdk';
import { InMemStorageProvider, startUnleash, type Unleash } from 'unleash-client';
import { CutoverProvider } from '../../src/sdk/openfeature-provider.ts';
import { benchContexts, benchFlags, normalAnswer, unleashFeature } from './flags-fixtures.ts';

export type EvalTarget = 'cutover' | 'cutover-quiet' | 'openfeature' | 'unleash';
export type EvalMessage =
  | { type: 'ready'; answers: string[]; notes: string[] }
  | { type: 'round'; target: EvalTarget; seconds: number; batchNs: number[] };
export type EvalRequest = { type: 'round'; target: EvalTarget; evaluations: number } | { type: 'stop' };

const mode = process.argv[2];
if (mode !== 'cutover' && mode !== 'unleash') throw new Error('usage: flags-eval.ts cutover|unleash');
const contextCount = Number(process.env.BENCH_CONTEXTS ?? 10_000);
const batch = 100;
const flags = benchFlags();
const contexts = benchContexts(contextCount);
const pairs = contexts.length * flags.length;

type Evaluate = (flagIndex: number, contextIndex: number) => boolean | string | undefined;
const notes: string[] = [];
let evaluate: Evaluate;
let evaluateQuiet: Evaluate | undefined;
let evaluateAsync: ((flagIndex: number, contextIndex: number) => Promise<boolean | string>) | undefined;

if (mode === 'cutover') {
  const apiUrl = process.env.BENCH_API_URL;
  const token = process.env.BENCH_TOKEN;
  const environment = process.env.BENCH_ENVIRONMENT;
  if (!apiUrl || !token || !environment) throw new Error('BENCH_API_URL, BENCH_TOKEN and BENCH_ENVIRONMENT are needed');
  // Impressions on (as in use), sent never during the run: the flush window is longer than the run.
  const provider = new CutoverProvider({ apiUrl, token, environment, impressions: true, flushIntervalMs: 3_600_000 });
  await OpenFeature.setProviderAndWait('bench-flags', provider);
  const client: OpenFeatureClient = OpenFeature.getClient('bench-flags');
  // The same, without impressions: what recording them costs.
  const quiet = new CutoverProvider({ apiUrl, token, environment, impressions: false, flushIntervalMs: 3_600_000 });
  await quiet.initialize();
  const given = contexts.map((context) => ({ targetingKey: context.userId, country: context.country, email: context.email }));
  const keys = flags.map((flag) => flag.key);
  const strings = flags.map((flag) => flag.kind === 'variants');
  evaluate = (f, c) => (strings[f] ? provider.resolve(keys[f]!, 'fallback', given[c]!, 'string').variant : provider.resolve(keys[f]!, false, given[c]!, 'boolean').value);
  evaluateQuiet = (f, c) => (strings[f] ? quiet.resolve(keys[f]!, 'fallback', given[c]!, 'string').variant : quiet.resolve(keys[f]!, false, given[c]!, 'boolean').value);
  evaluateAsync = (f, c) => (strings[f] ? client.getStringValue(keys[f]!, 'fallback', given[c]) : client.getBooleanValue(keys[f]!, false, given[c]));
  notes.push(`provider: ${keys.length} flags from the stream, etag ${provider.configurationEtag.slice(0, 12)}, impressions on (deduplicated per flush window; flush every hour)`);
} else {
  const unleash: Unleash = await startUnleash({
    appName: 'bench-flags',
    // Nothing listens there: the bootstrap data is all it has (offline); refreshInterval 0 never polls.
    url: 'http://127.0.0.1:1/',
    refreshInterval: 0,
    // Metrics on, as in normal use: every evaluation is counted (sending them fails here, once a minute at most).
    disableMetrics: false,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: flags.map(unleashFeature) as never },
    skipInstanceCountWarning: true,
  });
  unleash.on('error', () => {});
  unleash.on('warn', () => {});
  const given = contexts.map((context) => ({ userId: context.userId, properties: { country: context.country, email: context.email } }));
  const keys = flags.map((flag) => flag.key);
  const strings = flags.map((flag) => flag.kind === 'variants');
  evaluate = (f, c) => (strings[f] ? unleash.getVariant(keys[f]!, given[c]).name : unleash.isEnabled(keys[f]!, given[c]));
  notes.push(`unleash-client offline: ${unleash.getFeatureToggleDefinitions()?.length ?? 0} flags from bootstrap data, metrics on`);
}

// The answers for the agreement check: every context × flag once (this is also the provider's impression warm-up).
const answers: string[] = new Array<string>(pairs);
for (let c = 0; c < contexts.length; c++) for (let f = 0; f < flags.length; f++) answers[c * flags.length + f] = normalAnswer(flags[f]!, evaluate(f, c));

let cursor = 0;
let sink = 0;
function runSync(evaluations: number, evaluateOne: Evaluate): { seconds: number; batchNs: number[] } {
  const batchNs: number[] = [];
  const started = process.hrtime.bigint();
  for (let done = 0; done < evaluations; done += batch) {
    const batchStarted = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) {
      const pair = cursor++ % pairs;
      if (evaluateOne(pair % flags.length, (pair / flags.length) | 0) === undefined) sink++;
    }
    batchNs.push(Number(process.hrtime.bigint() - batchStarted));
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, batchNs };
}

async function runAsync(evaluations: number): Promise<{ seconds: number; batchNs: number[] }> {
  const batchNs: number[] = [];
  const started = process.hrtime.bigint();
  for (let done = 0; done < evaluations; done += batch) {
    const batchStarted = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) {
      const pair = cursor++ % pairs;
      if ((await evaluateAsync!(pair % flags.length, (pair / flags.length) | 0)) === undefined) sink++;
    }
    batchNs.push(Number(process.hrtime.bigint() - batchStarted));
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, batchNs };
}

// JIT warm-up before the first measured round.
runSync(pairs, evaluate);
if (evaluateQuiet) runSync(pairs, evaluateQuiet);
if (evaluateAsync) await runAsync(Math.min(pairs, 50_000));

const send = (message: EvalMessage) => process.send!(message);
send({ type: 'ready', answers, notes });
process.on('message', (request: EvalRequest) => {
  if (request.type === 'stop') {
    if (sink < 0) console.log(sink);
    process.exit(0);
  }
  void (async () => {
    const result = request.target === 'openfeature' ? await runAsync(request.evaluations) : runSync(request.evaluations, request.target === 'cutover-quiet' ? evaluateQuiet! : evaluate);
    send({ type: 'round', target: request.target, ...result });
  })();
});

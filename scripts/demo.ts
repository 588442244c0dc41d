// `npm run demo`: Cutover on one machine with nothing but Node. It starts a Temporal dev server, the embedded
// database, the API and a worker, then releases the bundled sample app on the local target through the API —
// 1.0.0, 2.0.0 (healthy: switched) and 3.0.0 (starts fine, then answers 500: rolled back by the monitor) —
// while steady traffic runs through the service's proxy, and ends with a table of what happened. From 2.0.0 on the app
// reads a feature flag through the in-repo OpenFeature provider: the demo then changes it and the running app's page
// follows without a restart.
// `--exit` ends it there; in a terminal it otherwise keeps running (so the Web UI links work) until Ctrl-C.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { localServiceKey } from '../src/targets/local/service-key.ts';
import { connectSupervisor, stopSupervisor } from '../src/targets/local/supervisor-client.ts';
import { createDemoApi, type DemoRelease } from './demo/api.ts';
import { bannerFlag, flipBanner } from './demo/flag.ts';
import { startLoad } from './demo/load.ts';
import { pickPorts } from './demo/ports.ts';
import { sampleAppDefinition, sampleArtifact } from './demo/sample-app.ts';
import { renderTable } from './demo/table.ts';
import { startStack } from './stack.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = path.join(root, '.data', 'demo');
const keepRunning = process.stdout.isTTY && !process.argv.includes('--exit');
const began = performance.now();
const say = (line: string) => process.stdout.write(`${line}\n`);

// A fresh demo every time: stop what the last one left running, then wipe its data.
await stopSupervisor({ dataDir: path.join(dataDir, 'local-target'), port: 0 });
rmSync(dataDir, { recursive: true, force: true });

const [apiPort, temporalPort, uiPort, supervisorPort, publicPort, previewPort, bluePort, greenPort] = await pickPorts([
  8080, 7233, 8233, 7390, 8600, 8601, 8610, 8611,
]);
const config = loadConfig({
  ...process.env,
  // Empty means unset: the demo always runs on its own dev server and embedded database.
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
  CUTOVER_ADMIN_TOKEN: '',
  CUTOVER_DATA_DIR: dataDir,
  PORT: String(apiPort),
  TEMPORAL_DEV_PORT: String(temporalPort),
  TEMPORAL_DEV_UI_PORT: String(uiPort),
  CUTOVER_SUPERVISOR_PORT: String(supervisorPort),
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const logger = createLogger(config, { component: 'demo' });

say('Starting Cutover: Temporal dev server, embedded database, API and worker…');
const stack = await startStack(config, logger);
// The stack first: its watchdog would otherwise start the supervisor again. But the sample app's processes before it:
// they hold the flag stream open, and the API's close() waits for open requests (the stream's, up to 10 min).
let sampleAppKey: string | undefined;
const stopAll = async () => {
  if (sampleAppKey) {
    try {
      await (await connectSupervisor(config.localTarget))?.deleteService(sampleAppKey, 1_000);
    } catch (error) {
      logger.warn({ err: error }, 'could not stop the sample app before the API');
    }
  }
  await stack.stop();
  await stopSupervisor(config.localTarget);
};
let exitCode = 1;
try {
  const api = createDemoApi(stack.apiUrl, stack.createdAdminToken ?? '', say);
  say(`  API ${stack.apiUrl}   Web UI ${stack.temporalUiUrl}   service http://127.0.0.1:${publicPort}`);
  await signInAdmin(stack);
  const dashboard = await fetch(`${stack.apiUrl}/admin/`);
  say(`  Dashboard ${stack.apiUrl}/admin/ (${dashboard.status === 200 ? 'serving' : `answers ${dashboard.status}`}): sign in there to watch the releases below`);
  // The flag the app reads (examples/sample-app/flags.mjs), at rollout 0 for now, and a viewer's token to read it with:
  // the definition carries the token as a secret (secretEnv), masked in every API answer.
  const flag = await api.createFlag(bannerFlag('demo', 0));
  const flagsToken = await api.createToken('shop: feature flags', 'viewer');
  const flags = { apiUrl: stack.apiUrl, token: flagsToken, environment: 'demo' };
  const service = await api.registerService({ name: 'shop', environment: 'demo', definition: sampleAppDefinition({ publicPort, previewPort, bluePort, greenPort }, flags) });
  say(`  Flag ${flag.key} in demo (rollout ${flag.rollout_pct}%), read by the app with a viewer token (the API shows it as ${service.definition.env.CUTOVER_FLAGS_TOKEN})`);
  sampleAppKey = localServiceKey({ workspaceId: await api.workspaceId(), environment: 'demo' }, 'shop');

  // Demo durations, passed as inputs: the production defaults are a 5 min monitor and 24 h of retention.
  const timings = { rolloutPollMs: 200, monitorDurationMs: 5_000, monitorIntervalMs: 250, failureThreshold: 2, retentionMs: 600_000 };
  const results: DemoRelease[] = [await api.release('shop', 'demo', '1.0.0', sampleArtifact('1.0.0'), timings)];

  say(`\nSteady traffic: 200 requests/s through the proxy on port ${publicPort}.`);
  const load = startLoad(`http://127.0.0.1:${publicPort}/`, { rate: 200, connections: 10 });
  for (const version of ['2.0.0', '3.0.0']) {
    load.phase(version);
    results.push(await api.release('shop', 'demo', version, sampleArtifact(version), timings));
  }
  // A last moment of traffic on the version that serves after the rollback.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await load.stop();

  say(`\nFeature flag ${flag.key}, read by the running app through the OpenFeature provider:`);
  const flagFollowed = await flipBanner(api, flag, `http://127.0.0.1:${publicPort}/`, say);

  const ms = (value: number | undefined) => (value === undefined ? '—' : `${value} ms`);
  const rows = results.map((result) => {
    const tally = load.tally(result.version);
    return [
      result.version,
      result.status,
      tally ? String(tally.requests) : '—',
      tally ? String(tally.dropped) : '—',
      tally ? String(tally.appErrors) : '—',
      ms(result.switchMs),
      ms(result.rollbackMs),
      result.webUiUrl,
    ];
  });
  say('');
  say(renderTable(['release', 'outcome', 'requests', 'unanswered', 'app 5xx', 'switch', 'rollback', 'Temporal Web UI'], rows));
  const dropped = results.reduce((sum, result) => sum + (load.tally(result.version)?.dropped ?? 0), 0);
  const expected = ['succeeded', 'succeeded', 'rolled_back'];
  const asExpected = results.every((result, index) => result.status === expected[index]);
  say('');
  say(`Unanswered requests during the switches and the rollback: ${dropped} (connection errors, timeouts, proxy 502/503).`);
  say("'app 5xx' are 3.0.0's own error answers between its switch and the monitor's rollback.");
  say(`Outcomes ${asExpected ? 'as expected' : `NOT as expected (wanted ${expected.join(', ')})`}; ${((performance.now() - began) / 1000).toFixed(0)} s in all.`);
  if (!flagFollowed) say(`The app did NOT follow the change of ${flag.key}.`);
  exitCode = asExpected && dropped === 0 && flagFollowed ? 0 : 1;

  if (keepRunning) {
    say(`\nStill running so you can look around: dashboard ${stack.apiUrl}/admin/, Web UI ${stack.temporalUiUrl}, service http://127.0.0.1:${publicPort}.`);
    say(`Sign in at ${stack.apiUrl}/admin/ (or POST ${stack.apiUrl}/api/v1/auth/login) as ${stack.signIn.email}, password ${stack.signIn.password ?? `in ${stack.signIn.passwordFile ?? 'CUTOVER_ADMIN_PASSWORD'}`}.`);
    say(`API ${stack.apiUrl}/api/v1 with the admin token ${stack.createdAdminToken ?? '(set by CUTOVER_ADMIN_TOKEN)'}. Ctrl-C stops everything.`);
    if (stack.codecUrl) say(`Payloads are encrypted: to read them in the Web UI, paste that token at ${stack.codecUrl}/session and follow the page.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
} finally {
  say('Stopping the sample app, the supervisor, the worker, the API and the dev server…');
  await stopAll();
}
process.exit(exitCode);

/** Signs the platform admin in through the API, as a person would, and says how to do it again. */
async function signInAdmin(running: Awaited<ReturnType<typeof startStack>>): Promise<void> {
  const password = running.signIn.password ?? (running.signIn.passwordFile ? readFileSync(running.signIn.passwordFile, 'utf8').trim() : process.env.CUTOVER_ADMIN_PASSWORD);
  const response = await fetch(`${running.apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: running.signIn.email, password }),
  });
  if (!response.ok) throw new Error(`the platform admin could not sign in: HTTP ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { email: string; platform_admin: boolean }; workspaces: Array<{ name: string; role: string }> };
  const where = body.workspaces.map((workspace) => `${workspace.role} of ${workspace.name}`).join(', ');
  say(`  Signed in as ${body.user.email} (platform admin${where ? `, ${where}` : ''})${running.signIn.password ? `; password ${running.signIn.password}, kept in ${running.signIn.passwordFile}` : ''}`);
}

// `npm run bench:ui`: the dashboard in Chromium against the real stack (Temporal dev server, embedded database,
// API, worker, the sample app on the local target). It measures how long a switch made through the API takes to
// show on the deployment controller's cards (from the API's answer to the card's text changing), the initial
// JavaScript of /admin/deployments (gzip), and how long `vite build` takes here. The stack runs in this process
// pinned to CPU 0, Chromium (and the renderers it starts) on CPU 1.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { stopSupervisor } from '../../src/targets/local/supervisor-client.ts';
import { chromiumPath } from '../../tests/support/browser.ts';
import { createDemoApi } from '../demo/api.ts';
import { pickPorts } from '../demo/ports.ts';
import { sampleAppDefinition, sampleArtifact } from '../demo/sample-app.ts';
import { startStack } from '../stack.ts';
import { pinToCpu } from './pin.ts';
import { summarize } from './stats.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = path.join(root, '.data', 'bench-ui');
const switches = Number(process.env.BENCH_RUNS ?? 40);
// The build, timed (it is also what the page below loads).
const buildStarted = performance.now();
execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
const buildMs = performance.now() - buildStarted;
// The initial JavaScript: the entry script and what it preloads (one chunk today), gzip as a server would send it.
const html = readFileSync(path.join(root, 'web', 'dist', 'index.html'), 'utf8');
const scripts = [...html.matchAll(/(?:src|href)="\/admin\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]!);
const initialGzip = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(root, 'web', 'dist', file))).length, 0);

await stopSupervisor({ dataDir: path.join(dataDir, 'local-target'), port: 0 });
rmSync(dataDir, { recursive: true, force: true });
const [apiPort, temporalPort, uiPort, supervisorPort, publicPort, previewPort, bluePort, greenPort] = await pickPorts([0, 0, 0, 0, 0, 0, 0, 0]);
const config = loadConfig({
  ...process.env,
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
  CUTOVER_ADMIN_TOKEN: '',
  CUTOVER_ADMIN_PASSWORD: 'bench-ui-password',
  CUTOVER_DATA_DIR: dataDir,
  PORT: String(apiPort),
  TEMPORAL_DEV_PORT: String(temporalPort),
  TEMPORAL_DEV_UI_PORT: String(uiPort),
  CUTOVER_SUPERVISOR_PORT: String(supervisorPort),
  LOG_LEVEL: 'warn',
});
const logger = createLogger(config, { component: 'bench-ui' });
const pinnedStack = pinToCpu(0, process.pid);
const stack = await startStack(config, logger);
const browserServer = await chromium.launchServer({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const pinnedBrowser = pinToCpu(1, browserServer.process().pid!);
try {
  const api = createDemoApi(stack.apiUrl, stack.createdAdminToken ?? '', () => {});
  await api.registerService({ name: 'shop', environment: 'bench', definition: sampleAppDefinition({ publicPort, previewPort, bluePort, greenPort }) });
  const timings = { rolloutPollMs: 200, monitorDurationMs: 1_000, monitorIntervalMs: 250, retentionMs: 3_600_000 };
  for (const version of ['1.0.0', '2.0.0']) await api.release('shop', 'bench', version, sampleArtifact(version), timings);

  const browser = await chromium.connect(browserServer.wsEndpoint());
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stack.apiUrl}/admin/login`);
  await page.getByLabel('Email').fill(stack.signIn.email);
  await page.getByLabel('Password').fill('bench-ui-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/deployments/);
  await page.goto(`${stack.apiUrl}/admin/deployments?service=shop&environment=bench`);
  await page.getByTestId('green-traffic').waitFor();

  const latencies: number[] = [];
  for (let i = 0; i < switches; i++) {
    const to = i % 2 === 0 ? 'blue' : 'green';
    await fetch(`${stack.apiUrl}/api/v1/services/shop/switch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.createdAdminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ environment: 'bench', to, confirm: 'shop' }),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`switch: ${response.status} ${await response.text()}`);
    });
    const answered = performance.now();
    // Runs in the page (this file is compiled without the DOM's types, hence the narrow view of `document`).
    await page.waitForFunction(
      (selector) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(selector)?.textContent === '100%',
      `[data-testid="${to}-traffic"]`,
      { polling: 'raf', timeout: 30_000 },
    );
    latencies.push(performance.now() - answered);
    // Somewhere inside the next polling period, as a person's switch would land.
    await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1_700));
  }
  await browser.close();

  const s = summarize(latencies);
  const fmt = (ms: number) => `${Math.round(ms)} ms`;
  console.log(`\nbench:ui (Chromium ${pinnedBrowser ? 'on CPU 1' : 'NOT pinned'}, the stack ${pinnedStack ? 'on CPU 0' : 'NOT pinned'}; embedded database, local target)`);
  console.log(`  switch answered by the API → card shows it, ${s.n} switches: p50 ${fmt(s.p50)}, p95 ${fmt(s.p95)}, max ${fmt(s.max)}`);
  console.log(`    target p95 ≤ 1 s: ${s.p95 <= 1000 ? 'met' : 'MISSED'} (the API pushes the split over SSE, reading the provider every 250 ms)`);
  console.log(`  initial JavaScript of /admin/deployments: ${(initialGzip / 1024).toFixed(1)} KiB gzip (${scripts.join(', ')})`);
  console.log(`    target ≤ 150 KB: ${initialGzip <= 150 * 1024 ? 'met' : 'MISSED'}`);
  console.log(`  vite build: ${(buildMs / 1000).toFixed(2)} s`);
} finally {
  await browserServer.close();
  await stack.stop();
  await stopSupervisor(config.localTarget);
}

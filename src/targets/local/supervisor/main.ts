// The local target's supervisor process: started (detached) by the first worker that needs it, so the services'
// processes and proxies outlive worker crashes and restarts. Stops cleanly on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { loadConfig } from '../../../config.ts';
import { createControlApp } from './control-app.ts';
import { Supervisor } from './supervisor.ts';

// A worker that starts it names the data dir; `npm run supervisor` (e.g. under systemd) takes Cutover's config.
const config = loadConfig();
const dataDir = path.resolve(process.env.CUTOVER_SUPERVISOR_DIR ?? config.localTarget.dataDir);
const port = config.localTarget.port;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'cutover', component: 'supervisor' } });
mkdirSync(dataDir, { recursive: true });

// The token survives restarts, so clients that read it once keep working. Created exclusively: of two
// supervisors starting at once, both end up with the same token.
const tokenFile = path.join(dataDir, 'token');
try {
  writeFileSync(tokenFile, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
}
const token = readFileSync(tokenFile, 'utf8').trim();

const supervisor = new Supervisor(dataDir, logger);
let markRestored: () => void = () => undefined;
// Calls wait until the saved services are back, so none races the restore for their ports.
const restored = new Promise<void>((resolve) => (markRestored = resolve));
const server = serve({ fetch: createControlApp(supervisor, { token, dataDir, ready: restored }).fetch, port, hostname: '127.0.0.1' });
server.once('error', (error: NodeJS.ErrnoException) => {
  // Another supervisor won the race for the port: it serves, this one leaves.
  logger.error({ err: error, port }, 'cannot listen; exiting');
  process.exit(error.code === 'EADDRINUSE' ? 0 : 1);
});
server.once('listening', () => {
  // Only the supervisor that holds the port restores: a loser of the race starts nothing.
  writeFileSync(path.join(dataDir, 'supervisor.pid'), String(process.pid));
  void supervisor.restore().finally(() => {
    markRestored();
    logger.info({ port, dataDir }, 'supervisor running');
  });
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the supervisor and its services');
    server.close();
    void supervisor.shutdown().finally(() => {
      rmSync(path.join(dataDir, 'supervisor.pid'), { force: true });
      process.exit(0);
    });
  });
}

// The API of `npm run bench:flags`, in a process of its own (pinned to CPU 0 by the bench): two apps on one
// database, each on its own port — `quota` as deployed (quota checks and row-level security on; the bench raises the
// workspace's API-call quota so it does not refuse) and `plain` (quota checks off) — both given the flag change feed
// (LISTEN/NOTIFY), so flag streams wake on a change instead of polling every second.
// Configured by BENCH_DATABASE; prints one JSON line { "quota": port, "plain": port }.
import { Client } from '@temporalio/client';
import { pino } from 'pino';
import type { ApiDeps } from '../../src/api/context.ts';
import { createApp } from '../../src/api/create-app.ts';
import { serveApp } from '../../src/api/serve.ts';
import { openDatabase } from '../../src/db/client.ts';
import { startFlagChangeFeed } from '../../src/flags/changes.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';

export const flagServerVariants = {
  quota: { quotas: true },
  plain: { quotas: false },
} satisfies Record<string, Pick<ApiDeps, 'quotas'>>;

const url = process.env.BENCH_DATABASE;
if (!url) throw new Error('BENCH_DATABASE is not set');
const database = await openDatabase({ kind: 'postgres', url, maxConnections: 10 });
// Logs go to stderr: stdout carries the ports line the bench reads.
const logger = pino({ level: 'warn' }, pino.destination(2));
const flagChanges = await startFlagChangeFeed(database.listen, logger);
// The flag routes never reach Temporal: a client that would connect on first use is enough.
const temporal = new Client();
const targets = createTargetDeps({ startSupervisor: false, watchKubernetes: false });
const ports: Record<string, number> = {};
for (const [name, variant] of Object.entries(flagServerVariants)) {
  const app = createApp({ db: database.db, temporal, logger, taskQueue: 'bench-flags', temporalUiUrl: 'http://localhost:8233', targets, flagChanges, ...variant });
  ports[name] = (await serveApp(app, { port: 0, hostname: '127.0.0.1' })).port;
}
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.once('SIGTERM', () => void flagChanges.close().finally(() => void database.close().then(() => process.exit(0))));

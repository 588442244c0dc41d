// The API of `npm run bench:api`, in a process of its own (pinned to CPU 0 by the bench): one app per variant,
// each on its own port, all on the same database, so one run compares them side by side.
// Configured by BENCH_DATABASE; prints one JSON line { "<variant>": port, ... }.
import { Client } from '@temporalio/client';
import { pino } from 'pino';
import type { ApiDeps } from '../../src/api/context.ts';
import { createApp } from '../../src/api/create-app.ts';
import { serveApp } from '../../src/api/serve.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createTargetDeps } from '../../src/targets/deps.ts';

export const variants = {
  plain: { quotas: false, rowLevelSecurity: false },
  quota: { quotas: true, rowLevelSecurity: false },
  'quota+rls': { quotas: true, rowLevelSecurity: true },
} satisfies Record<string, Pick<ApiDeps, 'quotas' | 'rowLevelSecurity'>>;

const url = process.env.BENCH_DATABASE;
if (!url) throw new Error('BENCH_DATABASE is not set');
const database = await openDatabase({ kind: 'postgres', url, maxConnections: 10 });
// The reads measured never reach Temporal: a client that would connect on first use is enough.
const temporal = new Client();
const targets = createTargetDeps({ startSupervisor: false, watchKubernetes: false });
const ports: Record<string, number> = {};
for (const [name, variant] of Object.entries(variants)) {
  const app = createApp({ db: database.db, temporal, logger: pino({ level: 'warn' }), taskQueue: 'bench-api', temporalUiUrl: 'http://localhost:8233', targets, ...variant });
  ports[name] = (await serveApp(app, { port: 0, hostname: '127.0.0.1' })).port;
}
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.once('SIGTERM', () => void database.close().then(() => process.exit(0)));

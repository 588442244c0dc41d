// `npm run temporal:up`: only the Temporal dev server (with its Web UI), as `npm run dev` would start it.
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { ensureTemporalCli } from './cli.ts';
import { startTemporalDevServer } from './dev-server.ts';

const config = loadConfig();
const server = await startTemporalDevServer({
  binary: ensureTemporalCli(),
  port: config.TEMPORAL_DEV_PORT,
  uiPort: config.TEMPORAL_DEV_UI_PORT,
  dbFile: path.join(config.CUTOVER_DATA_DIR, 'temporal', 'dev.db'),
  namespace: config.TEMPORAL_NAMESPACE,
  onLog: (line) => process.stderr.write(line + '\n'),
});
console.log(`Temporal dev server on ${server.address}, Web UI ${server.uiUrl ?? 'off'}; Ctrl-C stops it.`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.stop());

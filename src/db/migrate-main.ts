// `npm run migrate`: applies the committed migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { databaseOptionsFromConfig, openDatabase } from './client.ts';

const config = loadConfig();
const logger = createLogger(config);
const handle = await openDatabase(databaseOptionsFromConfig(config));
try {
  await handle.migrate();
  logger.info({ database: handle.kind }, 'migrations applied');
} finally {
  await handle.close();
}

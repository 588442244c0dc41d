// `npm run dev`: Temporal dev server + migrated database + worker + API in one process; Ctrl-C stops it all.
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startStack } from './stack.ts';

const config = loadConfig();
const logger = createLogger(config, { component: 'dev' });
const stack = await startStack(config, logger);

const lines = [
  '',
  '  Cutover is running',
  `  Dashboard      ${stack.apiUrl}/admin/`,
  `  API            ${stack.apiUrl}/api/v1   (OpenAPI: ${stack.apiUrl}/api/v1/openapi.json)`,
  `  Temporal UI    ${stack.temporalUiUrl}`,
  ...(stack.codecUrl ? [`  Decode in UI   ${stack.codecUrl}/session   (payloads are encrypted: paste a token there, see README)`] : []),
  `  Database       ${stack.database.kind === 'pglite' ? `embedded PGlite in ${config.CUTOVER_DATA_DIR}/pglite` : 'DATABASE_URL'}`,
];
if (stack.createdAdminToken) {
  lines.push(`  Admin token    ${stack.createdAdminToken}`, '                 (shown once: keep it; it is stored hashed)');
}
lines.push(`  Sign in        at ${stack.apiUrl}/admin/ (or POST /api/v1/auth/login) as ${stack.signIn.email}`);
if (stack.signIn.password) lines.push(`  Password       ${stack.signIn.password}   (shown once; also in ${stack.signIn.passwordFile}, mode 0600)`);
else if (stack.signIn.passwordFile) lines.push(`  Password       in ${stack.signIn.passwordFile}`);
lines.push('  Ctrl-C stops everything.', '');
process.stdout.write(lines.join('\n') + '\n');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void stack.stop().then(() => {
      logger.info('stopped');
      process.exitCode = 0;
    });
  });
}

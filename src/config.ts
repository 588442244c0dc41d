import path from 'node:path';
import { z } from 'zod';
import { payloadKeysSchema } from './temporal/payload-keys.ts';

/** Accepts "true"/"false"/"1"/"0" from the environment. */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const configSchema = z.object({
  // HTTP port of the API.
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Interface the API binds to.
  HOST: z.string().min(1).default('127.0.0.1'),
  // pino level.
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Postgres URL; unset means the embedded PGlite database in CUTOVER_DATA_DIR.
  DATABASE_URL: z.url().optional(),
  // Where the dev command keeps the embedded database and the Temporal dev server's file.
  CUTOVER_DATA_DIR: z.string().min(1).default('.data'),
  // Token of the first admin of the default workspace; unset means the dev command creates one.
  CUTOVER_ADMIN_TOKEN: z.string().min(16).optional(),
  // The first platform admin, made when there is no user yet (npm run dev, the demo, the API's first start).
  CUTOVER_ADMIN_EMAIL: z.email().default('admin@cutover.local'),
  // Their password; unset: one is generated, printed once and kept in CUTOVER_DATA_DIR/admin-password (0600).
  CUTOVER_ADMIN_PASSWORD: z.string().min(12).optional(),
  // Browser sessions end after this long without a request, and this long after sign-in whatever happens.
  CUTOVER_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  CUTOVER_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  // How long a re-authentication allows step-up actions (deleting a workspace, revealing a secret).
  CUTOVER_STEP_UP_MINUTES: z.coerce.number().int().min(1).max(60).default(10),
  // Marks cookies Secure; set it behind a TLS-terminating proxy (requests over https get it anyway).
  CUTOVER_SECURE_COOKIES: booleanFromEnv.default(false),
  // Keys that encrypt Temporal payloads: `id:base64-of-32-bytes`, comma-separated, oldest first (the last encrypts).
  // Unset: a key file in CUTOVER_DATA_DIR, made on first start (one machine only; see README, Payload encryption).
  CUTOVER_PAYLOAD_KEYS: payloadKeysSchema.optional(),
  // An existing Temporal cluster; unset means the dev command starts a dev server.
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cutover'),
  // Turns on TLS towards TEMPORAL_ADDRESS (implied by an API key or a client certificate).
  TEMPORAL_TLS: booleanFromEnv.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  // Ports of the Temporal dev server that the dev command starts.
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_DEV_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  // Path to a `temporal` CLI binary; otherwise PATH, then .tools/bin, then a build with Go.
  TEMPORAL_CLI: z.string().min(1).optional(),
  // Whether ops jobs may run local commands on the worker (the single-machine setup); off on shared workers.
  CUTOVER_LOCAL_COMMANDS: booleanFromEnv.default(true),
  // Control port (127.0.0.1) of the local target's supervisor, which runs local services and their proxies.
  CUTOVER_SUPERVISOR_PORT: z.coerce.number().int().min(1).max(65535).default(7390),
  // Base URL of the Temporal Web UI, used for links to runs.
  TEMPORAL_UI_URL: z.url().optional(),
});

export type Config = z.infer<typeof configSchema> & {
  /** Address Cutover connects to: TEMPORAL_ADDRESS or the dev server's. */
  temporalAddress: string;
  /** Where people open the Web UI. */
  temporalUiUrl: string;
  /** The local target's supervisor: its state, logs and control port. */
  localTarget: { dataDir: string; port: number };
};

export class ConfigError extends Error {}

/** Parses the environment once at an entry point; nothing here runs at import time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  return {
    ...config,
    temporalAddress: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`,
    temporalUiUrl: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_DEV_UI_PORT}`,
    localTarget: { dataDir: path.resolve(config.CUTOVER_DATA_DIR, 'local-target'), port: config.CUTOVER_SUPERVISOR_PORT },
  };
}

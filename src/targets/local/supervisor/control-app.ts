import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { colors } from '../../../workflows/lib/colors.ts';
import { isServiceKey } from '../service-key.ts';
import { SupervisorError, type Supervisor } from './supervisor.ts';

const port = z.number().int().min(1).max(65535);
/** `<workspace>.<environment>.<name>` (service-key.ts), or a bare name: lower-case letters, digits, "-" and up to two "." */
const key = z.string().refine(isServiceKey, 'lower-case letters, digits and "-", in up to three parts separated by "."');
const color = z.enum(colors);
const serviceSpec = z.object({ port, previewPort: port, host: z.enum(['127.0.0.1', '0.0.0.0', '::1', '::']).default('127.0.0.1') }).strict();
const colorSpec = z
  .object({
    command: z.string().min(1).max(1024),
    args: z.array(z.string().max(1024)).max(50).default([]),
    cwd: z.string().startsWith('/').max(1024).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    port,
    version: z.string().min(1).max(200),
    readiness: z
      .object({
        path: z.string().startsWith('/').max(1024),
        intervalMs: z.number().int().min(100).max(60_000),
        timeoutMs: z.number().int().min(100).max(30_000),
        failureThreshold: z.number().int().min(1).max(100).optional(),
      })
      .strict(),
  })
  .strict();
const routes = z
  .object({
    weights: z.object({ blue: z.number(), green: z.number() }).strict().optional(),
    preview: color.nullable().optional(),
  })
  .strict();
const drainQuery = z.object({ drainTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(30_000) });

class ControlError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = result.error.issues.map((issue) => ({ path: [where, ...issue.path].join('.'), message: issue.message }));
    throw new ControlError(422, 'validation_failed', `${where} failed validation`, details);
  }
  return result.data;
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new ControlError(400, 'invalid_json', 'the body is not JSON');
  }
}

/** The supervisor's control API: 127.0.0.1 only, and every call but /healthz needs the token of its data dir. */
export function createControlApp(supervisor: Supervisor, options: { token: string; dataDir: string; ready?: Promise<void> }) {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const app = new Hono();
  app.use('*', async (_c, next) => {
    await options.ready;
    await next();
  });
  app.get('/healthz', (c) => c.json({ ok: true, pid: process.pid, dataDir: options.dataDir }));
  app.use('*', async (c, next) => {
    const given = Buffer.from(c.req.header('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ControlError(401, 'unauthorized', 'missing or wrong token');
    await next();
  });
  app.put('/services/:key', async (c) => {
    const name = parse(key, c.req.param('key'), 'path');
    return c.json(await supervisor.putService(name, parse(serviceSpec, await jsonBody(c), 'json')));
  });
  app.get('/services/:key', (c) => c.json(supervisor.status(parse(key, c.req.param('key'), 'path'))));
  app.delete('/services/:key', async (c) => {
    const { drainTimeoutMs } = parse(drainQuery, c.req.query(), 'query');
    await supervisor.deleteService(parse(key, c.req.param('key'), 'path'), drainTimeoutMs);
    return c.body(null, 204);
  });
  app.put('/services/:key/colors/:color', async (c) => {
    const name = parse(key, c.req.param('key'), 'path');
    return c.json(await supervisor.putColor(name, parse(color, c.req.param('color'), 'path'), parse(colorSpec, await jsonBody(c), 'json')));
  });
  app.delete('/services/:key/colors/:color', async (c) => {
    const { drainTimeoutMs } = parse(drainQuery, c.req.query(), 'query');
    const name = parse(key, c.req.param('key'), 'path');
    return c.json(await supervisor.stopColor(name, parse(color, c.req.param('color'), 'path'), drainTimeoutMs));
  });
  app.put('/services/:key/routes', async (c) => {
    const name = parse(key, c.req.param('key'), 'path');
    return c.json(supervisor.setRoutes(name, parse(routes, await jsonBody(c), 'json')));
  });
  app.notFound(() => {
    throw new ControlError(404, 'not_found', 'no such route');
  });
  app.onError((error, c) => {
    if (error instanceof ControlError || error instanceof SupervisorError) {
      const details = error.details;
      return c.json({ error: { code: error.code, message: error.message, ...(details ? { details } : {}) } }, error.status);
    }
    return c.json({ error: { code: 'internal', message: error.message } }, 500);
  });
  return app;
}

import { createMiddleware } from 'hono/factory';
import type { Logger } from '../../logger.ts';
import type { AppEnv } from '../context.ts';

/** A child logger per request carrying its id, and one line when the response is sent. */
export function requestLogger(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    const child = logger.child({ requestId: c.get('requestId') });
    c.set('logger', child);
    c.header('x-request-id', c.get('requestId'));
    await next();
    // The path only, never the query string: a client may put a token or a signed URL's secret there.
    child.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { createMiddleware } from 'hono/factory';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

/** Where `npm run web:build` writes the dashboard (web/dist of this package). */
export const defaultDashboardDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

// Same origin as the API: no cross-origin requests, no framing, scripts only from here. react-aria sets some
// inline styles, hence 'unsafe-inline' for styles (never for scripts).
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.header('Content-Security-Policy', contentSecurityPolicy);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
});

/**
 * The dashboard at /admin: its built files, and index.html for every other path under it (the router in the
 * page decides what to show). Hashed assets are cached for good; index.html never is, so a new build shows at once.
 */
export function dashboardRoutes(directory = defaultDashboardDir) {
  const app = new Hono<AppEnv>();
  app.use('*', securityHeaders);
  const index = path.join(directory, 'index.html');
  // Made on the first request that finds a build (serveStatic complains at once about a folder not built yet).
  let handlers: { assets: MiddlewareHandler<AppEnv>; page: MiddlewareHandler<AppEnv> } | undefined;
  const built = () =>
    (handlers ??= {
      assets: serveStatic<AppEnv>({
        root: directory,
        rewriteRequestPath: (requested) => requested.replace(/^\/admin/, ''),
        onFound: (_path, c) => {
          c.header('Cache-Control', 'public, max-age=31536000, immutable');
        },
      }),
      page: serveStatic<AppEnv>({
        path: index,
        onFound: (_path, c) => {
          c.header('Cache-Control', 'no-cache');
        },
      }),
    });
  app.get('/admin', (c) => c.redirect('/admin/', 301));
  app.use('/admin/*', async (c, next) => {
    if (!existsSync(index)) {
      return c.text('The dashboard is not built: run `npm run web:build` (npm run dev and npm run demo build it themselves).', 503);
    }
    await next();
  });
  app.use(
    '/admin/*',
    createMiddleware<AppEnv>((c, next) => (c.req.path.startsWith('/admin/assets/') ? built().assets(c, next) : built().page(c, next))),
  );
  return app;
}

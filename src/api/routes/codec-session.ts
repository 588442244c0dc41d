import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { findActiveToken } from '../../db/repositories/workspaces.ts';
import type { ApiDeps, AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { createRouter } from '../router.ts';

/**
 * The Temporal Web UI of a dev setup can send no bearer token to a codec server, only cookies ("Include
 * cross-origin credentials"). So a platform admin pastes a token into this page once; the API keeps it in an
 * HttpOnly cookie for the codec paths only, and checks it on every call like a bearer token (revoked means
 * refused). Only a platform admin's is kept: the codec decodes for no one else (codec.ts says why).
 */
export const codecTokenCookie = 'cutover_codec_token';
const cookieMaxAgeSeconds = 8 * 60 * 60;

const page = { 'text/html': { schema: z.string() } };

const showRoute = createRoute({
  method: 'get',
  path: '/session',
  summary: 'A form to give this browser a token for the codec endpoints (for the Temporal Web UI)',
  responses: { 200: { description: 'The form, and whether a live token is set', content: page } },
});

const setRoute = createRoute({
  method: 'post',
  path: '/session',
  summary: "Keep a platform admin's token in this browser's codec cookie (HttpOnly, SameSite=Lax, codec paths only)",
  request: {
    body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.object({ token: z.string().min(1).max(512) }) } } },
  },
  responses: {
    303: { description: 'Set; back to the form' },
    401: { description: 'Unknown or revoked token: the form again, with the reason', content: page },
    403: { description: "Not a platform admin's token: the form again, with the reason; nothing kept", content: page },
    ...errorResponses(422),
  },
});

const forgetRoute = createRoute({
  method: 'post',
  path: '/session/forget',
  summary: "Remove this browser's codec cookie",
  responses: { 303: { description: 'Removed; back to the form' } },
});

export function codecSessionRoutes(deps: ApiDeps) {
  return createRouter()
    .openapi(showRoute, async (c) => {
      const token = getCookie(c, codecTokenCookie);
      const found = token ? await findActiveToken(deps.db, token) : undefined;
      const status = !found
        ? html`<p>This browser holds no live token${token ? ' (the one it had is unknown or revoked)' : ''}.</p>`
        : found.token.platformAdmin
          ? html`<p class="ok">This browser holds the token <b>${found.token.name}</b> (platform admin, ${found.token.role} of ${found.workspace.name}).</p>`
          : html`<p class="error">This browser holds the token <b>${found.token.name}</b> (${found.token.role} of ${found.workspace.name}), which is not a platform admin's: the codec refuses it.</p>`;
      return renderPage(c, status, 200);
    })
    .openapi(setRoute, async (c) => {
      const { token } = c.req.valid('form');
      const found = await findActiveToken(deps.db, token.trim());
      if (!found) return renderPage(c, html`<p class="error">That token is unknown or revoked; nothing was kept.</p>`, 401);
      if (!found.token.platformAdmin) {
        const refusal = html`<p class="error">That token is not a platform admin's; nothing was kept. The codec decodes every workspace's payloads alike, so it decodes for platform admins only. Members read their own releases through the API.</p>`;
        return renderPage(c, refusal, 403);
      }
      c.set('audit', { action: 'codec.session', target: `token/${found.token.id}` });
      setCookie(c, codecTokenCookie, token.trim(), {
        path: codecBasePath(c),
        httpOnly: true,
        sameSite: 'Lax',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: cookieMaxAgeSeconds,
      });
      return c.redirect(`${codecBasePath(c)}/session`, 303);
    })
    .openapi(forgetRoute, (c) => {
      deleteCookie(c, codecTokenCookie, { path: codecBasePath(c) });
      return c.redirect(`${codecBasePath(c)}/session`, 303);
    });
}

/** Where the codec is mounted (…/codec), from this request's own path. */
const codecBasePath = (c: Context<AppEnv>) => c.req.path.replace(/\/session(\/forget)?\/?$/, '');

function renderPage(c: Context<AppEnv>, status: HtmlEscapedString | Promise<HtmlEscapedString>, code: 200 | 401 | 403) {
  const base = codecBasePath(c);
  const endpoint = `${new URL(c.req.url).origin}${base}`;
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Cutover: decode payloads in the Temporal Web UI</title>
          <style>
            body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
            .ok { color: #116329; } .error { color: #b3261e; } code { background: #eee; padding: 0 0.2rem; }
          </style>
        </head>
        <body>
          <h1>Decode payloads in the Temporal Web UI</h1>
          <p>Cutover encrypts every Temporal payload. The Web UI shows them readable only while this browser holds a live
            platform admin's Cutover API token, kept in a cookie that only the codec endpoints read. The Web UI shows
            every workspace's runs, so no workspace role may decode; members read their releases through the API.</p>
          ${status}
          <form method="post" action="${base}/session">
            <label for="token">API token</label>
            <input id="token" name="token" type="password" autocomplete="off" required size="40" />
            <button type="submit">Keep this token in this browser</button>
          </form>
          <form method="post" action="${base}/session/forget"><button type="submit">Forget the token</button></form>
          <h2>Then, in the Temporal Web UI</h2>
          <ol>
            <li>Click <b>Codec Server</b> in the top bar.</li>
            <li>Choose <b>Use my browser setting and ignore Cluster-level setting</b>.</li>
            <li>Enter <code>${endpoint}</code> as the endpoint (this very address: the cookie belongs to it).</li>
            <li>Tick <b>Include cross-origin credentials</b>; leave <b>Pass the user access token</b> off. Click <b>Apply</b>.</li>
          </ol>
        </body>
      </html>`,
    code,
  );
}

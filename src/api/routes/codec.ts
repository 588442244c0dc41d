import { createRoute, z } from '@hono/zod-openapi';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { cors } from 'hono/cors';
import { PayloadDecryptionError } from '../../temporal/codec.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { authenticate, requirePlatformAdmin } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { codecSessionRoutes, codecTokenCookie } from './codec-session.ts';

// Temporal's remote codec protocol (what the Web UI and `temporal --codec-endpoint` send): Payloads in proto3 JSON,
// bytes as base64. Unknown fields are dropped, not refused: the Web UI may pass along empty proto fields.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const payloadSchema = z
  .object({
    metadata: z.record(z.string(), base64).optional(),
    data: base64.nullish(),
  })
  .openapi('Payload');
const payloadsSchema = z
  .object({ payloads: z.array(payloadSchema).max(1_000) })
  .openapi('Payloads', { description: "Temporal's remote codec format: `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`" });
type JsonPayload = z.infer<typeof payloadSchema>;

const codecRequest = { body: { required: true, content: { 'application/json': { schema: payloadsSchema } } } };
const codecResponses = {
  200: { description: 'The payloads, in the same order', content: { 'application/json': { schema: payloadsSchema } } },
  ...errorResponses(400, 401, 403, 422),
};
const security: Array<Record<string, string[]>> = [{ bearer: [] }, { codecCookie: [] }];

const decodeRoute = createRoute({
  method: 'post',
  path: '/decode',
  summary: 'Decrypt Temporal payloads (the codec server of the Temporal Web UI and CLI)',
  description:
    "A platform admin's token only (403 for any other): the codec cannot tell whose payload it is given, so it " +
    'decodes every workspace\'s alike. The Web UI sends no bearer token in a dev setup: it sends the cookie that ' +
    'GET /codec/session sets, when "Include cross-origin credentials" is on in its Codec Server settings.',
  security,
  request: codecRequest,
  responses: codecResponses,
});

const encodeRoute = createRoute({
  method: 'post',
  path: '/encode',
  summary: 'Encrypt Temporal payloads with the newest key (for input typed into the Web UI)',
  description: "A platform admin's token only, as for decoding.",
  security,
  request: codecRequest,
  responses: codecResponses,
});

/**
 * The codec server: decodes and encodes with exactly the codecs the API's own Temporal client writes with, for a
 * platform admin's live token (bearer, or the codec cookie). Not for workspace roles: a payload carries no owner
 * the codec could check, and the Web UI shows every workspace's runs, so any token that decodes reads every
 * workspace's inputs (members read their own releases through the API, which masks secrets). CORS lets the
 * Temporal Web UI's origin call it with credentials. Mounted ahead of the API's bearer-only authentication,
 * which would refuse CORS preflights.
 */
export function codecRoutes(deps: ApiDeps) {
  const codecs = deps.temporal.options.loadedDataConverter.payloadCodecs;
  const guard = [
    cors({
      origin: webUiOrigins(deps.temporalUiUrl),
      allowMethods: ['POST'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      credentials: true,
      maxAge: 600,
    }),
    authenticate(deps.db, { cookie: codecTokenCookie }),
    requirePlatformAdmin(),
  ] as const;
  const run = async (kind: 'decode' | 'encode', payloads: JsonPayload[], namespace: string | undefined) => {
    try {
      const result = await applyCodecs(kind, codecs, payloads.map(fromJson));
      return { payloads: result.map(toJson) };
    } catch (error) {
      if (error instanceof PayloadDecryptionError) throw new ApiError(422, 'payload_not_decodable', error.message, { namespace });
      throw error;
    }
  };
  const audit = (kind: string, count: number, namespace: string | undefined) => ({
    action: `codec.${kind}`,
    target: `namespace/${namespace ?? 'unknown'}`,
    details: { payloads: count },
  });

  const router = createRouter();
  router.openAPIRegistry.registerComponent('securitySchemes', 'codecCookie', { type: 'apiKey', in: 'cookie', name: codecTokenCookie });
  // Not route middleware: a preflight is an OPTIONS request, which no route of these answers.
  router.use('/decode', ...guard);
  router.use('/encode', ...guard);
  return router
    .openapi(decodeRoute, async (c) => {
      const { payloads } = c.req.valid('json');
      const namespace = c.req.header('x-namespace')?.slice(0, 200);
      c.set('audit', audit('decode', payloads.length, namespace));
      return c.json(await run('decode', payloads, namespace), 200);
    })
    .openapi(encodeRoute, async (c) => {
      const { payloads } = c.req.valid('json');
      const namespace = c.req.header('x-namespace')?.slice(0, 200);
      c.set('audit', audit('encode', payloads.length, namespace));
      return c.json(await run('encode', payloads, namespace), 200);
    })
    .route('/', codecSessionRoutes(deps));
}

/** Encoding runs the codecs first to last, decoding last to first (as the SDK does). */
async function applyCodecs(kind: 'decode' | 'encode', codecs: PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let result = payloads;
  for (const codec of kind === 'encode' ? codecs : [...codecs].reverse()) result = await codec[kind](result);
  return result;
}

/** The Web UI's origin; on a loopback address both spellings, since people open either. */
export function webUiOrigins(temporalUiUrl: string): string[] {
  const url = new URL(temporalUiUrl);
  const twins: Record<string, string> = { localhost: '127.0.0.1', '127.0.0.1': 'localhost' };
  const twin = twins[url.hostname];
  if (!twin) return [url.origin];
  return [url.origin, `${url.protocol}//${twin}${url.port ? `:${url.port}` : ''}`];
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

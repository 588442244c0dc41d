/** The parts of an OpenAPI 3.1 document the authorization suite reads. */
export interface OpenApiDocument {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, OpenApiOperation | undefined>>;
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

export interface SecurityScheme {
  type: string;
  scheme?: string;
  in?: string;
  name?: string;
}

export interface OpenApiOperation {
  security?: Array<Record<string, unknown>>;
  responses?: Record<string, unknown>;
}

/** One operation, with the path a request goes to (the servers' prefix included). */
export interface Operation {
  /** `METHOD /full/path/{param}`: the key of the authorization matrix. */
  key: string;
  method: string;
  path: string;
  /** The `{param}` names of the path, in order. */
  pathParams: string[];
  /** The security schemes any of which the operation accepts, in the document's order; none: public. */
  schemes: string[];
  spec: OpenApiOperation;
}

const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/**
 * The document's operations with full paths. The prefix is the path of the first `servers` URL when there is
 * one; without servers, paths already under /api/ are taken as full, and others as relative to the folder the
 * document is served from (`/api/v1/openapi.json` → `/api/v1`).
 */
export function listOperations(document: OpenApiDocument, documentPath: string): Operation[] {
  const prefix = pathPrefix(document, documentPath);
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method, spec]) => methods.has(method) && spec !== undefined)
      .map(([method, spec]) => {
        const full = `${prefix}${path}`;
        return {
          key: `${method.toUpperCase()} ${full}`,
          method: method.toUpperCase(),
          path: full,
          pathParams: [...full.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? ''),
          schemes: [...new Set((spec!.security ?? []).flatMap((requirement) => Object.keys(requirement)))],
          spec: spec!,
        };
      }),
  );
}

function pathPrefix(document: OpenApiDocument, documentPath: string): string {
  const server = document.servers?.[0]?.url;
  if (server !== undefined) return new URL(server, 'http://cutover.invalid').pathname.replace(/\/+$/, '');
  if (Object.keys(document.paths).every((path) => path.startsWith('/api/'))) return '';
  return documentPath.slice(0, documentPath.lastIndexOf('/'));
}

/** The headers that carry `token` by a scheme of the document (a bearer header, an API key cookie or header). */
export function credentialHeaders(document: OpenApiDocument, scheme: string, token: string): Record<string, string> {
  const spec = document.components?.securitySchemes?.[scheme];
  if (spec?.type === 'http' && spec.scheme?.toLowerCase() === 'bearer') return { authorization: `Bearer ${token}` };
  if (spec?.type === 'apiKey' && spec.in === 'cookie' && spec.name) return { cookie: `${spec.name}=${token}` };
  if (spec?.type === 'apiKey' && spec.in === 'header' && spec.name) return { [spec.name.toLowerCase()]: token };
  throw new Error(`the authorization suite cannot send a token by the security scheme ${scheme} (${JSON.stringify(spec)})`);
}

/** The request path: each `{param}` replaced; a missing value throws, naming the operation. */
export function fillPath(operation: Operation, params: Record<string, string> = {}): string {
  return operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`the matrix row of ${operation.key} gives no value for {${name}}`);
    return encodeURIComponent(value);
  });
}

/** Hono's `/a/:id` as OpenAPI's `/a/{id}`, to compare the routes an app serves with the document. */
export function toOpenApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

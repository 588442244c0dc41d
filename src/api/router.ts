import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { ApiError } from './errors.ts';

/** A NUL byte or a UTF-16 surrogate without its pair: Postgres refuses both, in text and in jsonb. */
// eslint-disable-next-line no-control-regex -- a NUL byte is what it looks for
const unsafeText = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unsafeTextMessage = 'must not contain a NUL byte or a lone surrogate';

/** The paths of every string (object keys included) in a parsed input that holds unsafe text. */
function unsafeStringPaths(value: unknown, path: string[], found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (unsafeText.test(value)) found.push(path.join('.'));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => unsafeStringPaths(item, [...path, String(index)], found));
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (unsafeText.test(key)) found.push([...path, key].join('.'));
      unsafeStringPaths(item, [...path, key], found);
    }
  }
  return found;
}

/**
 * Every schema violation becomes 422 validation_failed with the field paths. Every string of every validated
 * input (body, query, path) is then checked too, so loose schemas (records, unknown) are covered as well.
 */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    throw new ApiError(
      422,
      'validation_failed',
      `request ${result.target} failed validation`,
      result.error.issues.map((issue) => ({ path: [result.target, ...issue.path].join('.'), message: issue.message })),
    );
  }
  const unsafe = unsafeStringPaths(result.data, [result.target]);
  if (unsafe.length > 0) {
    throw new ApiError(422, 'validation_failed', `request ${result.target} failed validation`, unsafe.map((path) => ({ path, message: unsafeTextMessage })));
  }
};

/** A sub-app with the shared validation hook; one per resource. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

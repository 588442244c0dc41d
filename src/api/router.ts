import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { ApiError } from './errors.ts';

/** Every schema violation becomes 422 validation_failed with the field paths. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    throw new ApiError(
      422,
      'validation_failed',
      `request ${result.target} failed validation`,
      result.error.issues.map((issue) => ({ path: [result.target, ...issue.path].join('.'), message: issue.message })),
    );
  }
};

/** A sub-app with the shared validation hook; one per resource. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

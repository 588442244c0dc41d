import { z } from '@hono/zod-openapi';

/** DNS-label names: they become Kubernetes object names, so the same rules apply. */
export const slugSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and "-", starting and ending alphanumeric');

export const versionSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'letters, digits, ".", "_", "+" and "-"');

export const idParamSchema = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/** A service's name in the path: `/services/{name}/…`. */
export const serviceNameParamSchema = z.object({ name: slugSchema.openapi({ param: { name: 'name', in: 'path' } }) });

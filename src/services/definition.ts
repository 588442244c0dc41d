import { z } from '@hono/zod-openapi';

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and "-"');

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 250m or 512Mi');

const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();

const httpProbe = z
  .object({
    path: z.string().startsWith('/').max(512),
    port: z.number().int().min(1).max(65535),
    periodSeconds: z.number().int().min(1).max(300).default(10),
  })
  .strict();

/** One HTTP check of a smoke test: any failure stops the release before traffic moves. */
export const smokeCheckSchema = z
  .object({
    name: z.string().min(1).max(100),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    path: z.string().startsWith('/').max(1024),
    expectStatus: z.number().int().min(100).max(599).default(200),
    bodyContains: z.string().max(1024).optional(),
    /** A dotted path into a JSON body (e.g. "status.db") whose value must equal `equals`. */
    jsonPath: z.string().max(256).optional(),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    retries: z.number().int().min(0).max(10).default(0),
  })
  .strict()
  .refine((check) => (check.jsonPath === undefined) === (check.equals === undefined), {
    message: 'jsonPath and equals go together',
    path: ['equals'],
  });
export type SmokeCheck = z.infer<typeof smokeCheckSchema>;

/** What Cutover needs to know to release a service on Kubernetes. */
export const serviceDefinitionSchema = z
  .object({
    namespace: dnsLabel,
    image: z.string().min(1).max(512),
    replicas: z.number().int().min(1).max(100).default(2),
    ports: z
      .array(
        z
          .object({
            name: dnsLabel.optional(),
            port: z.number().int().min(1).max(65535),
            targetPort: z.number().int().min(1).max(65535).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(10),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).default({}),
    resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).strict().optional(),
    probes: z.object({ readiness: httpProbe.optional(), liveness: httpProbe.optional() }).strict().optional(),
    smokeChecks: z.array(smokeCheckSchema).max(50).default([]),
    /** Health of the stable endpoint during the monitor window. */
    healthCheck: z
      .object({ path: z.string().startsWith('/').max(1024).default('/healthz'), timeoutMs: z.number().int().min(100).max(30_000).default(2_000) })
      .strict()
      .optional(),
    /** Run before traffic moves; a failure stops the release. */
    hooks: z
      .object({
        /** pg_dump of the service's database; the URL comes from an environment variable of the worker. */
        backup: z
          .object({
            databaseUrlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
            directory: z.string().startsWith('/', 'an absolute path').max(1024),
            keep: z.number().int().min(1).max(1000).default(7),
            /** Off skips it; default on. */
            enabled: z.boolean().default(true),
          })
          .strict()
          .optional(),
        /** A Kubernetes Job with the release's image, e.g. database migrations. */
        migration: z
          .object({ command: z.array(z.string().min(1)).min(1).max(50), env: z.record(z.string(), z.string()).default({}) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** A Slack-compatible webhook told about each release's progress. */
    notifications: z.object({ webhookUrl: z.url() }).strict().optional(),
    /** A PromQL query checked on every monitor tick; a value past the threshold counts as a failed check. */
    prometheus: z
      .object({
        url: z.url(),
        query: z.string().min(1).max(4_000),
        threshold: z.number(),
        failWhen: z.enum(['above', 'below']).default('above'),
      })
      .strict()
      .optional(),
    /** Where Cutover reaches the colours over HTTP; default: the Services' cluster DNS names. */
    endpoints: z.object({ preview: z.url().optional(), stable: z.url().optional() }).strict().optional(),
  })
  .strict()
  .openapi('ServiceDefinition');

export type ServiceDefinition = z.infer<typeof serviceDefinitionSchema>;

/** Base URLs of the preview and stable endpoints. */
export function serviceEndpoints(service: string, definition: ServiceDefinition): { preview: string; stable: string } {
  const port = definition.ports[0]?.port ?? 80;
  const inCluster = (name: string) => `http://${name}.${definition.namespace}.svc.cluster.local:${port}`;
  return {
    preview: definition.endpoints?.preview ?? inCluster(`${service}-preview`),
    stable: definition.endpoints?.stable ?? inCluster(service),
  };
}

import { z } from '@hono/zod-openapi';
import { analysisTemplateSchema } from '../analysis/types.ts';
import { absolutePathSchema, connectionNameSchema } from '../bindings/policy.ts';
import { kubernetesTrafficSchema, localTrafficSchema } from '../traffic/schema.ts';
import { MASKED } from './mask.ts';

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and "-"');

/**
 * A path on the service's own endpoint, never a URL: `//host/...` (a network-path reference), a scheme, a
 * backslash or a control character (URL parsing drops tabs and newlines, so `/\t/evil.example` would become
 * `//evil.example`) would let a check reach somewhere else.
 */
export const endpointPathSchema = z
  .string()
  .max(1024)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  .regex(/^\/(?![/\\])[^\\\u0000-\u001f\u007f]*$/, 'a path on the service\'s own endpoint, starting with a single "/", without control characters');

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 250m or 512Mi');

const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();

const httpProbe = z
  .object({
    path: endpointPathSchema,
    port: z.number().int().min(1).max(65535),
    periodSeconds: z.number().int().min(1).max(300).default(10),
  })
  .strict();

/** One HTTP check of a smoke test: any failure stops the release before traffic moves. */
export const smokeCheckSchema = z
  .object({
    name: z.string().min(1).max(100),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    path: endpointPathSchema,
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

const port = z.number().int().min(1).max(65535);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/**
 * Names of `env` entries whose values are secrets: masked as `********` in every API answer, and kept as
 * stored when a PUT sends `********` back. The values stay in `env`, so nothing that reads `env` changes.
 */
const secretNames = z.array(z.string().min(1).max(256)).max(200).default([]);

/** What every target shares: the release's checks, hooks, notifications and endpoints. */
const releaseFields = {
  /** The default image (Kubernetes) or artifact (local: substituted for ${image} in the command). */
  image: z.string().min(1).max(512),
  env: z.record(envName, z.string()).default({}),
  /** Which `env` values are secrets (each must be a key of `env`). */
  secretEnv: secretNames,
  smokeChecks: z.array(smokeCheckSchema).max(50).default([]),
  /**
   * Feature flags of the release's environment (by key) turned off — rollout 0% — when the release is rolled back
   * by its monitor or its analysis: the new version's code paths behind them go dark with it.
   */
  killFlags: z.array(z.string().regex(/^[a-z0-9]([-_.a-z0-9]{0,62}[a-z0-9])?$/)).max(20).default([]),
  /** Health of the stable endpoint during the monitor window. */
  healthCheck: z
    .object({ path: endpointPathSchema.default('/healthz'), timeoutMs: z.number().int().min(100).max(30_000).default(2_000) })
    .strict()
    .optional(),
  /** Run before traffic moves; a failure stops the release. */
  hooks: z
    .object({
      /** pg_dump of the service's database: a connection the environment's binding grants, by name. */
      backup: z
        .object({
          database: connectionNameSchema,
          /** A folder the binding grants (absolute). */
          directory: absolutePathSchema,
          keep: z.number().int().min(1).max(1000).default(7),
          /** Whether it runs; when unset, on in production (`production`/`prod`) and off elsewhere. */
          enabled: z.boolean().optional(),
        })
        .strict()
        .optional(),
      /** A command with the release's image, e.g. database migrations: a Kubernetes Job, or a local process. */
      migration: z
        .object({
          command: z.array(z.string().min(1)).min(1).max(50),
          env: z.record(z.string(), z.string()).default({}),
          /** Which of this hook's `env` values are secrets, as `secretEnv` is for the service's. */
          secretEnv: secretNames,
        })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
  /** A Slack-compatible webhook told about each release's progress. */
  notifications: z
    .object({
      /** A secret (its path often is the credential): answers show `********`, and a PUT may send that back to keep it. */
      webhookUrl: z.union([z.url(), z.literal(MASKED)]),
    })
    .strict()
    .optional(),
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
  /** Analyses canary steps can name, each used with its own args. */
  analysisTemplates: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'lower-case letters, digits and "-"'), analysisTemplateSchema).default({}),
  /** Where Cutover reaches the colours over HTTP; default: the target's own (cluster DNS names, local ports). */
  endpoints: z.object({ preview: z.url().optional(), stable: z.url().optional() }).strict().optional(),
};

/** A service on Kubernetes: two Deployments, a stable and a preview Service. */
export const kubernetesDefinitionSchema = z
  .object({
    target: z.literal('kubernetes'),
    namespace: dnsLabel,
    replicas: z.number().int().min(1).max(100).default(2),
    ports: z
      .array(z.object({ name: dnsLabel.optional(), port, targetPort: port.optional() }).strict())
      .min(1)
      .max(10),
    resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).strict().optional(),
    probes: z.object({ readiness: httpProbe.optional(), liveness: httpProbe.optional() }).strict().optional(),
    /** How traffic moves between the colours: the stable Service's selector (default) or a Gateway API HTTPRoute. */
    traffic: kubernetesTrafficSchema,
    ...releaseFields,
  })
  .strict();

/** A service on this machine: one supervised process per colour behind Cutover's own proxy. */
export const localDefinitionSchema = z
  .object({
    target: z.literal('local'),
    /** One process per colour. */
    replicas: z.literal(1).default(1),
    local: z
      .object({
        /** The program and its arguments; ${image}, ${version}, ${color} and ${port} are filled in per colour. */
        command: z.array(z.string().min(1).max(1024)).min(1).max(50).default(['node', '${image}']),
        /** Working directory of the processes (absolute); default: the worker's. */
        cwd: absolutePathSchema.optional(),
        /** Where the proxy listens: the public port, and the preview port that reaches the standby colour. */
        host: z.enum(['127.0.0.1', '0.0.0.0', '::1', '::']).default('127.0.0.1'),
        port,
        previewPort: port,
        /** Each colour's own port (the process gets it as $PORT). */
        colorPorts: z.object({ blue: port, green: port }).strict(),
        readiness: z
          .object({
            path: endpointPathSchema.default('/healthz'),
            intervalMs: z.number().int().min(100).max(60_000).default(1_000),
            timeoutMs: z.number().int().min(100).max(30_000).default(1_000),
          })
          .strict()
          .default({ path: '/healthz', intervalMs: 1_000, timeoutMs: 1_000 }),
        /** How long a colour taken out of traffic may finish its requests before it is stopped. */
        drainTimeoutMs: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .refine((local) => new Set([local.port, local.previewPort, local.colorPorts.blue, local.colorPorts.green]).size === 4, {
        message: 'port, previewPort and the two colour ports must all differ',
        path: ['colorPorts'],
      }),
    /** Cutover's own proxy moves the traffic. */
    traffic: localTrafficSchema,
    ...releaseFields,
  })
  .strict();

/**
 * What Cutover needs to know to release a service, by target. `target` defaults to "kubernetes", so
 * definitions written before there was a choice stay valid.
 */
export const serviceDefinitionSchema = z
  .preprocess(
    (value) => (value && typeof value === 'object' && !Array.isArray(value) && !('target' in value) ? { ...value, target: 'kubernetes' } : value),
    z.discriminatedUnion('target', [kubernetesDefinitionSchema, localDefinitionSchema]).superRefine((definition, ctx) => {
      for (const issue of secretNameIssues(definition)) ctx.addIssue({ code: 'custom', ...issue });
    }),
  )
  .openapi('ServiceDefinition');

/** A name in a `secretEnv` list must be a key of the `env` beside it: a typo would leave the real value unmasked. */
function secretNameIssues(definition: {
  env: Record<string, string>;
  secretEnv: string[];
  hooks?: { migration?: { env: Record<string, string>; secretEnv: string[] } };
}): Array<{ path: Array<string | number>; message: string }> {
  const lists = [{ at: [] as string[], env: definition.env, names: definition.secretEnv }];
  const migration = definition.hooks?.migration;
  if (migration) lists.push({ at: ['hooks', 'migration'], env: migration.env, names: migration.secretEnv });
  return lists.flatMap(({ at, env, names }) =>
    names.flatMap((name, index) =>
      Object.hasOwn(env, name) ? [] : [{ path: [...at, 'secretEnv', index], message: `"${name}" is not a key of ${[...at, 'env'].join('.')}` }],
    ),
  );
}

export type ServiceDefinition = z.infer<typeof serviceDefinitionSchema>;
export type KubernetesServiceDefinition = z.infer<typeof kubernetesDefinitionSchema>;
export type LocalServiceDefinition = z.infer<typeof localDefinitionSchema>;

/** Base URLs of the preview and stable endpoints. */
export function serviceEndpoints(service: string, definition: ServiceDefinition): { preview: string; stable: string } {
  if (definition.target === 'local') {
    const { host, port, previewPort } = definition.local;
    // A proxy bound to every address is still reached on loopback from the worker's machine.
    const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
    return {
      preview: definition.endpoints?.preview ?? `http://${reach}:${previewPort}`,
      stable: definition.endpoints?.stable ?? `http://${reach}:${port}`,
    };
  }
  const port = definition.ports[0]?.port ?? 80;
  const inCluster = (name: string) => `http://${name}.${definition.namespace}.svc.cluster.local:${port}`;
  return {
    preview: definition.endpoints?.preview ?? inCluster(`${service}-preview`),
    stable: definition.endpoints?.stable ?? inCluster(service),
  };
}

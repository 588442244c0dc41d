import { z } from '@hono/zod-openapi';
import type { Scope } from './scope.ts';

// What a workspace environment may touch on a target, as a platform admin grants it. Definitions, ops jobs,
// hooks and analyses are checked against it when the API accepts them and again in the activity that acts.

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and "-"');
const port = z.number().int().min(1).max(65535);
/** An absolute path with no `..` or `.` segment, so a prefix test on it means what it says. */
export const absolutePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .startsWith('/', 'an absolute path')
  .refine((value) => !value.split('/').some((segment) => segment === '..' || segment === '.'), 'no "." or ".." segments')
  .refine((value) => !value.includes('\0'), 'no NUL bytes');
/** A name for a database connection granted to a workspace environment. */
export const connectionNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-"');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (upper case)');
/** `api.example.com`, or `*.example.com` for any name under it. */
const hostPattern = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a host name, or *. and a domain');
/** An IPv4 or IPv6 network, `10.0.0.0/8` or `fd00::/8`. */
const cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'a CIDR such as 10.0.0.0/8');

/** Where a backup's database URL comes from: a variable of the worker granted here, or, on purpose, the platform's own. */
export const databaseGrantSchema = z.union([
  z.object({ urlEnv: envName }).strict(),
  z.object({ platform: z.literal(true) }).strict(),
]);
export type DatabaseGrant = z.infer<typeof databaseGrantSchema>;

export const bindingPolicySchema = z
  .object({
    /** Kubernetes namespaces its services, Jobs and analysis Jobs may use; a namespace is bound to one environment at most. */
    namespaces: z.array(dnsLabel).max(100).default([]),
    /** Gateways (`namespace/name`) outside its own namespaces that its HTTPRoutes may attach to (a shared ingress). */
    gateways: z.array(z.string().regex(/^[a-z0-9][-a-z0-9]*\/[a-z0-9][-a-z0-9]*$/, 'namespace/name of a Gateway')).max(100).default([]),
    /** Host names its HTTPRoutes may claim (`shop.example.com`, `*.shop.example.com`); empty: any, on Gateways of its own namespaces only. */
    hostnames: z.array(hostPattern).max(100).default([]),
    /** ServiceAccounts its Jobs may run as; a Job that names none runs as `default`, which must be listed too. */
    serviceAccounts: z.array(dnsLabel).max(100).default([]),
    /** Image prefixes that may run (`registry.example.com/team/`); `*` allows any image. */
    imagePrefixes: z.array(z.string().min(1).max(512)).max(100).default([]),
    /** Local target: the ports its services' proxies and colours may listen on (inclusive). */
    localPorts: z.object({ from: port, to: port }).strict().refine((range) => range.from <= range.to, 'from must not be above to').optional(),
    /** Local target: folders its processes may work in and backups may write to (each with everything below it). */
    directories: z.array(absolutePathSchema).max(100).default([]),
    /** Local target: whether its services, hooks and ops jobs may run commands on the worker's machine. */
    localCommands: z.boolean().default(false),
    /** Databases a backup may dump, by connection name. */
    databases: z.record(connectionNameSchema, databaseGrantSchema).default({}),
    /** Where the worker may send requests beyond the target's own endpoints (analysis, Prometheus, webhooks, endpoints). */
    egress: z
      .object({ hosts: z.array(hostPattern).max(100).default([]), cidrs: z.array(cidr).max(100).default([]) })
      .strict()
      .default({ hosts: [], cidrs: [] }),
  })
  .strict()
  .openapi('BindingPolicy');
export type BindingPolicy = z.infer<typeof bindingPolicySchema>;

export const targetKinds = ['kubernetes', 'local'] as const;
export type TargetKind = (typeof targetKinds)[number];

/** A binding as checks use it: the target it grants and what may be touched there. */
export interface ResolvedBinding {
  id: string;
  workspaceId: string;
  environment: string;
  target: { id: string; name: string; kind: TargetKind; context?: string | null };
  policy: BindingPolicy;
}

/** Finds the binding of a workspace environment for a kind of target; undefined when it has none. */
export type BindingLookup = (scope: Scope, kind: TargetKind) => Promise<ResolvedBinding | undefined>;

import { z } from '@hono/zod-openapi';

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label').max(63);

/** A Kubernetes service's traffic provider: the stable Service's selector (0 or 100) or a Gateway API HTTPRoute. */
export const kubernetesTrafficSchema = z
  .discriminatedUnion('provider', [
    z.object({ provider: z.literal('service-selector') }).strict(),
    z
      .object({
        provider: z.literal('gateway-api'),
        /** The Gateway the service's HTTPRoute attaches to. */
        gateway: z.object({ name: dnsLabel, namespace: dnsLabel.optional() }).strict(),
        hostnames: z.array(z.string().min(1).max(253)).max(16).optional(),
      })
      .strict(),
  ])
  .default({ provider: 'service-selector' });

/** A local service's traffic provider: Cutover's own proxy. */
export const localTrafficSchema = z.object({ provider: z.literal('local-proxy') }).strict().default({ provider: 'local-proxy' });

export type TrafficConfig = z.infer<typeof kubernetesTrafficSchema> | z.infer<typeof localTrafficSchema>;

import type { Config } from '../config.ts';

/**
 * The ports of the platform itself — the API, Temporal (and its Web UI), Postgres and the local target's
 * supervisor. No request the worker makes for a workspace may go to them on a local address, whatever a
 * binding allows: they are where every workspace's state lives.
 */
export function platformPorts(config: Config): number[] {
  const ports = new Set<number>([config.PORT, config.CUTOVER_SUPERVISOR_PORT, config.TEMPORAL_DEV_PORT, config.TEMPORAL_DEV_UI_PORT]);
  const temporalPort = Number(config.temporalAddress.split(':').at(-1));
  if (Number.isInteger(temporalPort)) ports.add(temporalPort);
  if (config.DATABASE_URL) ports.add(Number(new URL(config.DATABASE_URL).port || 5432));
  // The embedded database has no port; a Postgres on this machine still holds other data.
  ports.add(5432);
  return [...ports].filter((port) => port > 0);
}

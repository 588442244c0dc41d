import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; children carry request ids and workflow ids. */
export function createLogger(config: { LOG_LEVEL: string }, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service: 'cutover', ...bindings } });
}

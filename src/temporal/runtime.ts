import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger.ts';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  // The SDK's INFO lines (bundle sizes, state changes) are noise at our info level.
  INFO: 'debug',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the SDK's logs through pino and leaves signal handling to the caller, which stops the worker,
 * then its connections and the database in order. Call once, before any worker is created.
 */
export function installTemporalRuntime(logger: Logger): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('TRACE', (entry) => {
      logger[pinoLevel[entry.level]]({ component: 'temporal-sdk', ...entry.meta }, entry.message);
    }),
  });
}

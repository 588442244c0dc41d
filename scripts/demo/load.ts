import autocannon from 'autocannon';

/** What one phase of the demo's traffic met. */
export interface PhaseTally {
  requests: number;
  /** Answered by the app with a 5xx (a bad release). */
  appErrors: number;
  /** Not answered by the app: connection errors, timeouts, the proxy's own 502/503. */
  dropped: number;
}

/**
 * Steady traffic at a fixed rate (autocannon, keep-alive connections) against `url` until stopped; every
 * answer is counted in the phase that is current when it arrives.
 */
export function startLoad(url: string, options: { rate: number; connections: number }) {
  const phases = new Map<string, PhaseTally>();
  let current: PhaseTally | undefined;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  // With a callback autocannon returns its running instance (events, stop) instead of a promise.
  const instance = autocannon({ url, connections: options.connections, overallRate: options.rate, duration: 3_600, timeout: 5 }, () => finished());
  instance.on('response', (_client, statusCode) => {
    if (!current) return;
    current.requests += 1;
    const proxyError = statusCode === 502 || statusCode === 503;
    if (proxyError) current.dropped += 1;
    else if (statusCode >= 500) current.appErrors += 1;
  });
  instance.on('reqError', () => {
    if (!current) return;
    current.requests += 1;
    current.dropped += 1;
  });
  return {
    /** Counts what arrives from now on under `name`. */
    phase(name: string): PhaseTally {
      current = { requests: 0, appErrors: 0, dropped: 0 };
      phases.set(name, current);
      return current;
    },
    tally: (name: string) => phases.get(name),
    async stop(): Promise<void> {
      instance.stop();
      await done;
    },
  };
}

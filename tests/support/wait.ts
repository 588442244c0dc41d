/**
 * Polls `check` until it returns something other than undefined; fails after `timeoutMs`.
 * An error thrown by `check` fails at once, unless `tolerateErrors` (then the last one becomes the cause).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250, tolerateErrors = false } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (!tolerateErrors) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** waitFor for conditions that may throw while they settle (a row not written yet, a server busy). */
export function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return waitFor('a condition', check, { timeoutMs, intervalMs: 100, tolerateErrors: true });
}

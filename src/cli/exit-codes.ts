/** What the `cutover` command exits with, so a CI job can branch on the outcome. Documented in the README. */
export const exitCodes = {
  /** The release succeeded, or reached `--until`; any other command did what it was asked. */
  ok: 0,
  /** The release failed (a hook, the rollout or a smoke check). */
  failed: 1,
  /** Bad arguments or options; nothing was sent. */
  usage: 2,
  /** The release was rolled back (the monitor, an analysis, or a person). */
  rolledBack: 3,
  /** The release was aborted (by a person, a rejection, or its own approval timeout). */
  aborted: 4,
  /** `--timeout` passed while the release was still waiting for approval (or paused, or running). */
  timeout: 5,
  /** The API refused the token: missing, unknown or revoked (401), or a role too low (403). */
  auth: 6,
  /** The API could not be reached. */
  unreachable: 7,
  /** The API answered with another error (404, 409, 422, 5xx …). */
  api: 8,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The table `cutover --help` prints. */
export const exitCodeHelp = [
  [exitCodes.ok, 'succeeded, or reached --until'],
  [exitCodes.failed, 'release failed'],
  [exitCodes.usage, 'usage error'],
  [exitCodes.rolledBack, 'release rolled back'],
  [exitCodes.aborted, 'release aborted or rejected'],
  [exitCodes.timeout, '--timeout passed (e.g. still awaiting approval)'],
  [exitCodes.auth, 'authentication or authorization error (401/403)'],
  [exitCodes.unreachable, 'API unreachable'],
  [exitCodes.api, 'other API error'],
] as const;

/** An error the CLI reports in one line (or as JSON) and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }

  readonly details: unknown;
}

/** The exit code of a release that ended with this status; undefined while it runs. */
export function exitCodeForStatus(status: string): ExitCode | undefined {
  switch (status) {
    case 'succeeded':
      return exitCodes.ok;
    case 'failed':
      return exitCodes.failed;
    case 'rolled_back':
      return exitCodes.rolledBack;
    case 'aborted':
      return exitCodes.aborted;
    default:
      return undefined;
  }
}

/** The exit code of an API error answer. */
export function exitCodeForHttpStatus(status: number): ExitCode {
  return status === 401 || status === 403 ? exitCodes.auth : exitCodes.api;
}

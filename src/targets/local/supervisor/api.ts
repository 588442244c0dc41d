import { z } from 'zod';
import { colors, type Color } from '../../../workflows/lib/colors.ts';
import { weightsProblem, type Weights } from './weights.ts';

// The control API's wire format, shared by the supervisor (which validates it) and its client.

const port = z.number().int().min(1).max(65_535);

export const colorSchema = z.enum(colors);

/** A service key names log files, so it stays a plain word. */
export const serviceKeySchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-", at most 128');

export const hostSchema = z.enum(['127.0.0.1', '0.0.0.0', '::1', '::']);

export const serviceSpecSchema = z
  .object({ port, previewPort: port, host: hostSchema.default('127.0.0.1') })
  .strict()
  .refine((spec) => spec.port !== spec.previewPort, { message: 'port and previewPort must differ', path: ['previewPort'] });

export const readinessSchema = z
  .object({
    path: z.string().startsWith('/').max(1024),
    intervalMs: z.number().int().min(50).max(60_000),
    timeoutMs: z.number().int().min(50).max(30_000),
    failureThreshold: z.number().int().min(1).max(100).default(3),
  })
  .strict();

export const colorSpecSchema = z
  .object({
    command: z.string().min(1).max(1024),
    args: z.array(z.string().max(4096)).max(100).default([]),
    cwd: z.string().startsWith('/', 'an absolute path').max(1024).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string().max(32_768)).default({}),
    port,
    version: z.string().min(1).max(256),
    readiness: readinessSchema,
  })
  .strict();

export const weightsSchema = z
  .object({ blue: z.number(), green: z.number() })
  .strict()
  .superRefine((weights, context) => {
    const problem = weightsProblem(weights);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

export const routesUpdateSchema = z.object({ weights: weightsSchema.optional(), preview: colorSchema.nullable().optional() }).strict();

export type ServiceSpec = z.output<typeof serviceSpecSchema>;
export type ServiceSpecInput = z.input<typeof serviceSpecSchema>;
export type ColorSpec = z.output<typeof colorSpecSchema>;
export type ColorSpecInput = z.input<typeof colorSpecSchema>;
export type RoutesUpdate = z.output<typeof routesUpdateSchema>;

export const colorStates = ['starting', 'ready', 'unhealthy', 'crashed', 'stopped'] as const;
export type ColorState = (typeof colorStates)[number];

/** How a colour's process last ended. */
export interface ExitInfo {
  /** Exit code; null when a signal ended it or it never started. */
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: string | null;
  /** When it ended (ISO 8601). */
  at: string;
  /** Why it could not start (spawn error), if that was the case. */
  error?: string;
}

/** One colour as the supervisor reports it. */
export interface ColorStatus {
  /** The version its spec names. */
  version: string;
  /** Where its process stands. */
  state: ColorState;
  /** Passed its last readiness check (the state is `ready`). */
  ready: boolean;
  /** The process (group leader) running now; null while none runs. */
  pid: number | null;
  /** The colour's own port (the app's $PORT). */
  port: number;
  /** Times the process was started again after it died. */
  restarts: number;
  /** Requests the proxy has open to this colour right now. */
  inFlight: number;
  /** When the current process started (ISO 8601); null while none runs. */
  startedAt: string | null;
  /** How the previous process ended, once one has. */
  lastExit?: ExitInfo;
}

/** Where the proxy sends requests. */
export interface Routes {
  /** Share of the stable port's requests per colour, in percent. */
  weights: Weights;
  /** The colour the preview port reaches; null: the preview port answers 503. */
  preview: Color | null;
}

/** One service as the supervisor reports it. */
export interface ServiceStatus {
  /** The caller's name for it. */
  key: string;
  /** Public (stable) port of its proxy. */
  port: number;
  /** Preview port of its proxy. */
  previewPort: number;
  /** Address both proxy ports listen on. */
  host: string;
  /** Routes in force. */
  routes: Routes;
  /** Colours it has (a stopped colour stays, with its version, until the service is deleted). */
  colors: Partial<Record<Color, ColorStatus>>;
}

/** The one error body of the control API. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Thrown by the supervisor and the control API's handlers; the API turns it into the error body. */
export class SupervisorError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 422 | 503,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  static notFound(what: string): SupervisorError {
    return new SupervisorError(404, 'not_found', `${what} not found`);
  }

  static conflict(message: string, options?: ErrorOptions): SupervisorError {
    return new SupervisorError(409, 'conflict', message, undefined, options);
  }
}

import { z } from '@hono/zod-openapi';
import { conditionProblem } from './conditions.ts';

// Canary analysis: the contract between the canary workflow, the measuring activity and the verdict logic.
// The provider's strings may name arguments as {{args.<name>}}; the measuring activity fills them in.
// Conditions are CEL over `result` and read arguments as `args.<name>` (see conditions.ts), so a value can never
// change an expression's meaning.

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** Where a metric's value comes from. */
export const metricProviderSchema = z.discriminatedUnion('type', [
  /** An HTTP endpoint answering JSON; `jsonPath` (dotted, e.g. "data.errorRate") picks the value. */
  z
    .object({
      type: z.literal('web'),
      url: z.string().min(1).max(2048),
      jsonPath: z.string().max(256).optional(),
      headers: z.record(z.string(), z.string()).default({}),
      timeoutMs: ms(100, 60_000).default(5_000),
    })
    .strict(),
  /** A PromQL instant query through Prometheus' HTTP API (`url` is its base); the first sample's value. */
  z
    .object({
      type: z.literal('prometheus'),
      url: z.string().min(1).max(2048),
      query: z.string().min(1).max(4_000),
      timeoutMs: ms(100, 60_000).default(10_000),
    })
    .strict(),
  /** A Kubernetes Job; its exit code is the value (0 = success). */
  z
    .object({
      type: z.literal('job'),
      namespace: z.string().min(1).max(63),
      image: z.string().min(1).max(512),
      command: z.array(z.string().min(1)).min(1).max(50),
      env: z.record(z.string(), z.string()).default({}),
      timeoutMs: ms(1_000, 3_600_000).default(600_000),
    })
    .strict(),
]);
export type MetricProvider = z.infer<typeof metricProviderSchema>;

/** One metric of an analysis, measured `count` times, `intervalMs` apart. */
export const metricSchema = z
  .object({
    /** Names the metric in verdicts and records (and its Jobs). */
    name: z.string().min(1).max(100),
    /** Where its value comes from. */
    provider: metricProviderSchema,
    intervalMs: ms(100, 3_600_000).default(10_000),
    count: z.number().int().min(1).max(1_000).default(1),
    /** A CEL expression over `result` (the value) and `args`, e.g. `result < 0.05`; true means this measurement succeeded. */
    successCondition: z.string().max(1_000).optional(),
    /** A CEL expression over `result` and `args`; true means this measurement failed. */
    failureCondition: z.string().max(1_000).optional(),
    /** Failed measurements tolerated before the metric fails. */
    failureLimit: z.number().int().min(0).max(1_000).default(0),
    /** Inconclusive measurements (no data, or neither condition held) tolerated before the metric is inconclusive. */
    inconclusiveLimit: z.number().int().min(0).max(1_000).default(0),
    /** Measurements in a row that could not be taken (provider errors) before the metric fails. */
    consecutiveErrorLimit: z.number().int().min(0).max(1_000).default(4),
  })
  .strict()
  // A condition that does not parse is a definition error: rejected here (a 422 at the API), never at runtime.
  .superRefine((metric, ctx) => {
    for (const field of ['successCondition', 'failureCondition'] as const) {
      const expression = metric[field];
      const problem = expression === undefined ? undefined : conditionProblem(expression);
      if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
    }
  });
export type Metric = z.infer<typeof metricSchema>;

/** An analysis as a canary step runs it. */
export const analysisSchema = z
  .object({
    metrics: z.array(metricSchema).min(1).max(20),
    /** Arguments for {{args.name}} in the providers' strings, and `args.name` in the conditions. */
    args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    /** Record the verdicts but never act on them. */
    dryRun: z.boolean().default(false),
    /** What an inconclusive verdict does: pause the release and notify (default), or abort it. */
    onInconclusive: z.enum(['pause', 'abort']).default('pause'),
  })
  .strict()
  .openapi('Analysis');
export type Analysis = z.infer<typeof analysisSchema>;

/** A named analysis kept on the service definition; a canary step uses it with its own args. */
export const analysisTemplateSchema = analysisSchema.omit({ args: true }).openapi('AnalysisTemplate');

/** A canary step's analysis: written out, or a template of the service by name with args. */
export const analysisStepSchema = z.union([
  analysisSchema,
  z
    .object({ template: z.string().min(1).max(100), args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}) })
    .strict(),
]);
export type AnalysisStep = z.infer<typeof analysisStepSchema>;

/** How one measurement came out. */
export type MeasurementPhase = 'successful' | 'failed' | 'inconclusive' | 'error';

/** One measurement, as the measuring activity returns it and the deployment's record keeps it. */
export interface Measurement {
  /** How it came out against the metric's conditions (error: it could not be taken). */
  phase: MeasurementPhase;
  /** The value measured (null: no data); a JSON object or list is kept as its JSON text, cut to 1,000 characters. */
  value: number | string | boolean | null;
  /** Why it is inconclusive or an error (or, for a failed Job, its last error line). */
  message?: string;
  /** ISO time it was taken. */
  at: string;
}

/** A metric's or an analysis' verdict. */
export type Verdict = 'successful' | 'failed' | 'inconclusive' | 'running';

import { createRoute, z } from '@hono/zod-openapi';
import { findDeployment, listDeployments, listDeploymentEvents, type Deployment } from '../../db/repositories/deployments.ts';
import { deploymentStatuses } from '../../db/schema/index.ts';
import { findService } from '../../db/repositories/services.ts';
import { releaseLockKey } from '../../releases/lock-key.ts';
import { startRelease, type ReleaseWorkflow } from '../../releases/start-release.ts';
import { canaryOptionsSchema, canaryProblem, canaryRelease, inlineAnalyses } from '../../releases/canary-options.ts';
import { blueGreenOptionsSchema, blueGreenRelease, dryRunRelease } from '../../releases/strategies.ts';
import { serviceDefinitionSchema } from '../../services/definition.ts';
import { assertReleaseAllowed } from '../boundary.ts';
import type { ApiDeps, Caller } from '../context.ts';
import { assertQuotaRoom } from '../middleware/quota.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf, requireRole } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema, slugSchema, versionSchema } from '../schemas.ts';
import {
  decodeCursor,
  deploymentSchema,
  deploymentStepSchema,
  encodeCursor,
  toDeploymentBody,
  toStepBody,
} from '../serializers/deployments.ts';

const releaseTarget = {
  service: slugSchema,
  environment: slugSchema,
  version: versionSchema,
  /** Defaults to the image in the service definition. */
  image: z.string().min(1).max(512).optional(),
};

/** Options each strategy takes; checked after the body so one response names every bad field. */
const optionsByStrategy = {
  'dry-run': z.object({}).strict(),
  'blue-green': blueGreenOptionsSchema,
  canary: canaryOptionsSchema,
} as const;

const createDeploymentBody = z
  .object({
    ...releaseTarget,
    strategy: z.enum(['dry-run', 'blue-green', 'canary']),
    options: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({ description: 'Per strategy: none for dry-run; BlueGreenOptions for blue-green; CanaryOptions for canary' }),
  })
  .strict()
  .openapi('CreateDeployment');

const createDeploymentRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Start a release',
  security: [{ bearer: [] }],
  middleware: [requireRole('operator')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createDeploymentBody } } } },
  responses: {
    201: { description: 'Started', content: { 'application/json': { schema: deploymentSchema } } },
    ...errorResponses(400, 401, 403, 409, 422),
  },
});

const listDeploymentsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List deployments, newest first',
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      service: slugSchema.optional(),
      environment: slugSchema.optional(),
      status: z.enum(deploymentStatuses).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of deployments',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(deploymentSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(401, 422),
  },
});

const getDeploymentRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A deployment with its steps',
  security: [{ bearer: [] }],
  request: { params: idParamSchema },
  responses: {
    200: {
      description: 'The deployment',
      content: { 'application/json': { schema: deploymentSchema.extend({ steps: z.array(deploymentStepSchema) }) } },
    },
    ...errorResponses(401, 404, 422),
  },
});

function parseOptions<S extends keyof typeof optionsByStrategy>(strategy: S, options: unknown): z.infer<(typeof optionsByStrategy)[S]> {
  const parsed = optionsByStrategy[strategy].safeParse(options);
  if (!parsed.success) {
    throw new ApiError(
      422,
      'validation_failed',
      `options do not fit the ${strategy} strategy`,
      parsed.error.issues.map((issue) => ({ path: ['json', 'options', ...issue.path].join('.'), message: issue.message })),
    );
  }
  return parsed.data as z.infer<(typeof optionsByStrategy)[S]>;
}

/** A release as asked for: the strategy's options checked first, then the service, then the start (409 when busy). */
export async function startRequestedRelease(
  deps: ApiDeps,
  caller: Caller,
  input: { service: string; environment: string; version: string; image?: string | null; strategy: 'dry-run' | 'blue-green' | 'canary'; options: Record<string, unknown> },
): Promise<Deployment> {
  const request = {
    ...input,
    image: input.image ?? undefined,
    workspaceId: caller.workspaceId,
    workspaceName: caller.workspaceName,
    requestedBy: caller.actor,
    // The release lock of the objects the release changes; a dry run changes none.
    lockKey: undefined as string | undefined,
  };
  assertEnvironmentRole(caller, input.environment, 'operator');
  let workflow: ReleaseWorkflow;
  // Checked before anything is looked up or recorded.
  const blueGreenOptions = input.strategy === 'blue-green' ? parseOptions('blue-green', input.options) : undefined;
  const canaryOptions = input.strategy === 'canary' ? parseOptions('canary', input.options) : undefined;
  if (input.strategy === 'dry-run') parseOptions('dry-run', input.options);
  if (blueGreenOptions || canaryOptions) {
    const service = await findService(deps.db, caller.workspaceId, input.environment, input.service);
    if (!service) throw ApiError.notFound(`service ${input.service} in ${input.environment}`);
    const definition = serviceDefinitionSchema.parse(service.definition);
    const image = request.image ?? definition.image;
    if (canaryOptions) {
      const problem = canaryProblem(definition, canaryOptions);
      if (problem?.status === 409) throw ApiError.conflict(problem.message);
      if (problem) throw new ApiError(422, 'validation_failed', 'request json failed validation', [{ path: problem.path, message: problem.message }]);
    }
    await assertReleaseAllowed(deps, caller, { environment: input.environment, definition, image, analyses: canaryOptions ? inlineAnalyses(canaryOptions) : [] });
    if (canaryOptions) {
      workflow = canaryRelease({ ...request, image }, definition, canaryOptions);
    } else {
      workflow = blueGreenRelease({ ...request, image }, definition, blueGreenOptions!);
    }
    request.image = image;
    request.lockKey = releaseLockKey(input.service, definition);
  } else {
    workflow = dryRunRelease(request);
  }
  await assertQuotaRoom(deps, caller, 'concurrentReleases', 'storageGb');
  const result = await startRelease(deps, request, workflow);
  if (!result.started) {
    throw ApiError.conflict(`a release of ${input.service} in ${input.environment} is already running`, { deploymentId: result.runningDeploymentId });
  }
  return result.deployment;
}

export function deploymentRoutes(deps: ApiDeps) {
  const ui = () => ({ base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace });
  return createRouter()
    .openapi(createDeploymentRoute, async (c) => {
      const input = c.req.valid('json');
      c.set('audit', { action: 'deployment.create', target: `service/${input.environment}/${input.service}` });
      const deployment = await startRequestedRelease(deps, callerOf(c), input);
      c.set('audit', { action: 'deployment.create', target: `deployment/${deployment.id}` });
      return c.json(toDeploymentBody(deployment, ui()), 201);
    })
    .openapi(listDeploymentsRoute, async (c) => {
      const query = c.req.valid('query');
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && !before) {
        throw new ApiError(422, 'validation_failed', 'request query failed validation', [
          { path: 'query.cursor', message: 'not a cursor this API returned' },
        ]);
      }
      const rows = await listDeployments(deps.db, callerOf(c).workspaceId, { ...query, before });
      const last = rows.length === query.limit ? rows.at(-1) : undefined;
      return c.json(
        { items: rows.map((row) => toDeploymentBody(row, ui())), next_cursor: last ? encodeCursor(last) : null },
        200,
      );
    })
    .openapi(getDeploymentRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { workspaceId } = callerOf(c);
      const row = await findDeployment(deps.db, workspaceId, id);
      if (!row) throw ApiError.notFound(`deployment ${id}`);
      const events = await listDeploymentEvents(deps.db, workspaceId, id);
      return c.json({ ...toDeploymentBody(row, ui()), steps: events.map(toStepBody) }, 200);
    });
}

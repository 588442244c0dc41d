import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { activeFeatureRamp, deleteFeatureRamp, findFeatureRamp, insertFeatureRamp, listFeatureRamps, recordRampProgress, type FeatureRamp } from '../../db/repositories/feature-ramps.ts';
import { findFeature, toFlagDefinition } from '../../db/repositories/features.ts';
import { rampPlanSchema, type RampPlan } from '../../flags/ramp.ts';
import { maskRampPlan, maskTextDeep } from '../../services/mask.ts';
import { environmentSearchAttribute, statusSearchAttribute, workspaceSearchAttribute } from '../../temporal/search-attributes.ts';
import type { flagRampWorkflow } from '../../workflows/flag-ramp.ts';
import { abortSignal, promoteSignal } from '../../workflows/messages.ts';
import { assertAnalysesAllowed } from '../boundary.ts';
import type { ApiDeps } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertEnvironmentRole, callerOf } from '../middleware/auth.ts';
import { createRouter } from '../router.ts';
import { idParamSchema } from '../schemas.ts';
import { webUiUrl } from '../serializers/deployments.ts';

// Flag ramps: a durable workflow (src/workflows/flag-ramp.ts) raises a flag's rollout in steps with pauses and
// analyses, and turns it off (0%) on a failed verdict. Start, list, read, promote and abort.

const security = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const rampParams = idParamSchema.extend({ ramp_id: z.uuid().openapi({ param: { name: 'ramp_id', in: 'path' } }) });

const rampSchema = z
  .object({
    id: z.uuid(),
    feature_id: z.uuid(),
    feature_key: z.string(),
    environment: z.string(),
    status: z.enum(['running', 'paused', 'succeeded', 'rolled_back', 'aborted', 'failed']),
    current_pct: z.number().int(),
    reason: z.string().nullable(),
    plan: z.record(z.string(), z.unknown()),
    steps: z.array(z.object({ name: z.string(), outcome: z.string(), at: z.string(), details: z.record(z.string(), z.unknown()).optional() })),
    workflow_id: z.string(),
    web_ui_url: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('FlagRamp');

const startRoute = createRoute({
  method: 'post',
  path: '/{id}/ramps',
  summary: "Start a ramp of a flag's rollout: steps of setRollout, pause and analysis; a failed analysis turns the flag off (0%)",
  security,
  request: { params: idParamSchema, body: { required: true, ...json(rampPlanSchema) } },
  responses: { 201: { description: 'Started', ...json(rampSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
});
const listRoute = createRoute({
  method: 'get',
  path: '/{id}/ramps',
  summary: "A flag's ramps, newest first",
  security,
  request: { params: idParamSchema },
  responses: { 200: { description: 'Ramps', ...json(z.object({ items: z.array(rampSchema) })) }, ...errorResponses(401, 404, 422) },
});
const getRoute = createRoute({
  method: 'get',
  path: '/{id}/ramps/{ramp_id}',
  summary: 'One ramp with every step it took',
  security,
  request: { params: rampParams },
  responses: { 200: { description: 'The ramp', ...json(rampSchema) }, ...errorResponses(401, 404, 422) },
});
const controlBody = z.object({ reason: z.string().max(2_000).optional(), full: z.boolean().optional() }).strict();
const controlRoute = (action: 'promote' | 'abort') =>
  createRoute({
    method: 'post',
    path: `/{id}/ramps/{ramp_id}/${action}`,
    summary:
      action === 'promote'
        ? 'Skip the pause or analysis the ramp is in (with `full`, go to the final rollout now)'
        : 'Stop the ramp and put the rollout back where the ramp found it',
    security,
    request: { params: rampParams, body: { required: false, ...json(controlBody) } },
    responses: { 202: { description: 'Sent to the ramp', ...json(rampSchema) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
  });

export function featureRampRoutes(deps: ApiDeps) {
  const ui = () => ({ base: deps.temporalUiUrl, namespace: deps.temporal.options.namespace });
  const toRampBody = (row: FeatureRamp): z.infer<typeof rampSchema> => ({
    id: row.id,
    feature_id: row.featureId,
    feature_key: row.featureKey,
    environment: row.environment,
    status: row.status,
    current_pct: row.currentPct,
    reason: row.reason,
    plan: maskRampPlan(row.plan as { steps: unknown[] }),
    steps: maskTextDeep(row.steps as z.infer<typeof rampSchema>['steps']),
    workflow_id: row.workflowId,
    web_ui_url: webUiUrl(ui().base, ui().namespace, row.workflowId),
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  });
  const loadFlag = async (workspaceId: string, id: string) => {
    const row = await findFeature(deps.db, workspaceId, id);
    if (!row) throw ApiError.notFound(`feature ${id}`);
    return row;
  };
  const loadRamp = async (workspaceId: string, id: string, rampId: string) => {
    const row = await findFeatureRamp(deps.db, workspaceId, id, rampId);
    if (!row) throw ApiError.notFound(`ramp ${rampId} of feature ${id}`);
    return row;
  };
  /**
   * A ramp recorded running whose workflow is gone or closed without recording its end (terminated, or the API
   * died between the row and the start): recorded failed, so the flag can be ramped again.
   */
  const closeOrphan = (ramp: FeatureRamp) =>
    recordRampProgress(deps.db, ramp.workspaceId, ramp.id, { status: 'failed', reason: 'its workflow ended without recording an end (terminated?); the flag is as it was left' });
  const isOrphan = async (ramp: FeatureRamp) => {
    try {
      return (await deps.temporal.workflow.getHandle(ramp.workflowId).describe()).status.name !== 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return true;
      throw error;
    }
  };
  const control = (action: 'promote' | 'abort') =>
    createRouter().openapi(controlRoute(action), async (c) => {
      const { id, ramp_id: rampId } = c.req.valid('param');
      const body = c.req.valid('json') ?? {};
      const caller = callerOf(c);
      c.set('audit', { action: `feature.ramp.${action}`, target: `feature/${id}`, details: { ramp_id: rampId, reason: body.reason ?? null } });
      const ramp = await loadRamp(caller.workspaceId, id, rampId);
      assertEnvironmentRole(caller, ramp.environment, 'operator');
      if (ramp.status !== 'running' && ramp.status !== 'paused') throw ApiError.conflict(`ramp ${rampId} has ended (${ramp.status})`);
      try {
        await deps.temporal.workflow.getHandle(ramp.workflowId).signal(action === 'promote' ? promoteSignal : abortSignal, { by: caller.actor, reason: body.reason, full: body.full });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        await closeOrphan(ramp);
        throw ApiError.conflict(`ramp ${rampId} has no running workflow any more (terminated?): it is recorded failed now; the flag is as it was left`);
      }
      return c.json(toRampBody(ramp), 202);
    });

  return createRouter()
    .openapi(startRoute, async (c) => {
      const { id } = c.req.valid('param');
      const plan: RampPlan = c.req.valid('json');
      const caller = callerOf(c);
      c.set('audit', { action: 'feature.ramp.start', target: `feature/${id}` });
      const flagRow = await loadFlag(caller.workspaceId, id);
      assertEnvironmentRole(caller, flagRow.environment, 'operator');
      const startPct = toFlagDefinition(flagRow).rollout_pct;
      const first = plan.steps.find((step): step is { setRollout: number } => 'setRollout' in step);
      if (first && first.setRollout < startPct) {
        throw new ApiError(422, 'validation_failed', `the flag is at ${startPct}% already; a ramp only raises it`, [{ path: 'json.steps', message: `start at ${startPct}% or above` }]);
      }
      await assertAnalysesAllowed(deps, caller, flagRow.environment, plan.steps.flatMap((step) => ('analysis' in step ? [step.analysis] : [])));
      const rampId = randomUUID();
      const workflowId = `flag-ramp/${caller.workspaceId}/${flagRow.id}/${rampId}`;
      const record = () => insertFeatureRamp(deps.db, {
        id: rampId,
        workspaceId: caller.workspaceId,
        environment: flagRow.environment,
        featureId: flagRow.id,
        featureKey: flagRow.key,
        workflowId,
        plan: { ...plan },
        currentPct: startPct,
        createdBy: caller.actor,
      });
      let row = await record();
      if (!row) {
        const holder = await activeFeatureRamp(deps.db, caller.workspaceId, flagRow.id);
        if (holder && (await isOrphan(holder))) {
          await closeOrphan(holder);
          row = await record();
        }
      }
      if (!row) {
        const active = await activeFeatureRamp(deps.db, caller.workspaceId, flagRow.id);
        throw ApiError.conflict(`flag ${flagRow.key} has a ramp under way${active ? ` (${active.id})` : ''}: promote or abort it first`, { ramp_id: active?.id });
      }
      try {
        await deps.temporal.workflow.start<typeof flagRampWorkflow>('flagRampWorkflow', {
          taskQueue: deps.taskQueue,
          workflowId,
          workflowIdConflictPolicy: 'FAIL',
          args: [{ rampId, workspaceId: caller.workspaceId, environment: flagRow.environment, featureId: flagRow.id, featureKey: flagRow.key, plan, startPct, startEnabled: flagRow.enabled, by: caller.actor }],
          typedSearchAttributes: [
            { key: workspaceSearchAttribute, value: caller.workspaceName },
            { key: environmentSearchAttribute, value: flagRow.environment },
            { key: statusSearchAttribute, value: 'running' },
          ],
          staticSummary: `ramp of flag ${flagRow.key} in ${flagRow.environment} from ${startPct}%`,
        });
      } catch (error) {
        // Nothing was started, so nothing may stay recorded.
        await deleteFeatureRamp(deps.db, caller.workspaceId, rampId);
        throw error;
      }
      c.set('audit', { action: 'feature.ramp.start', target: `feature/${id}`, details: { ramp_id: rampId, from_pct: startPct, plan: maskRampPlan(plan) } });
      return c.json(toRampBody(row), 201);
    })
    .openapi(listRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { workspaceId } = callerOf(c);
      await loadFlag(workspaceId, id);
      return c.json({ items: (await listFeatureRamps(deps.db, workspaceId, id)).map(toRampBody) }, 200);
    })
    .openapi(getRoute, async (c) => {
      const { id, ramp_id: rampId } = c.req.valid('param');
      return c.json(toRampBody(await loadRamp(callerOf(c).workspaceId, id, rampId)), 200);
    })
    .route('/', control('promote'))
    .route('/', control('abort'));
}

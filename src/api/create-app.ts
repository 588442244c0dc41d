import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { ApiDeps } from './context.ts';
import { canaryOptionsSchema } from '../releases/canary-options.ts';
import { blueGreenOptionsSchema } from '../releases/strategies.ts';
import { ApiError } from './errors.ts';
import { auditMutations } from './middleware/audit.ts';
import { authenticate } from './middleware/auth.ts';
import { scopedDatabase } from '../db/scope.ts';
import { scopeReads } from './middleware/db-scope.ts';
import { enforceApiQuota } from './middleware/quota.ts';
import { requestLogger } from './middleware/request-logger.ts';
import { adminRoutes } from './routes/admin.ts';
import { auditRoutes } from './routes/audit.ts';
import { sessionRoutes, signInRoutes } from './routes/auth.ts';
import { totpRoutes } from './routes/auth-totp.ts';
import { bindingRoutes } from './routes/bindings.ts';
import { codecRoutes } from './routes/codec.ts';
import { deploymentControlRoutes } from './routes/deployment-controls.ts';
import { deploymentRetryRoutes } from './routes/deployment-retry.ts';
import { deploymentEventRoutes } from './routes/deployment-events.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { featureRoutes } from './routes/features.ts';
import { featureCheckRoutes } from './routes/feature-check.ts';
import { featureCopyRoutes } from './routes/feature-copy.ts';
import { featurePreviewRoutes } from './routes/feature-preview.ts';
import { segmentRoutes } from './routes/feature-segments.ts';
import { ofrepRoutes } from './routes/ofrep.ts';
import { flagStreamRoutes } from './routes/flag-stream.ts';
import { featureEventRoutes } from './routes/feature-events.ts';
import { featureRampRoutes } from './routes/feature-ramps.ts';
import { healthRoutes } from './routes/health.ts';
import { opsJobRoutes } from './routes/ops-jobs.ts';
import { createRouter } from './router.ts';
import { serviceTrafficRoutes } from './routes/service-traffic.ts';
import { serviceWeightRoutes } from './routes/service-weights.ts';
import { serviceRoutes } from './routes/services.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { userRoutes } from './routes/users.ts';
import { workspaceRoutes } from './routes/workspaces.ts';

/** Larger bodies are refused before they are read in full. */
const maxBodyBytes = 1024 * 1024;

export function createApp(given: ApiDeps) {
  // With row-level security, routes get a database that follows the request's workspace scope (scopeReads);
  // the middleware that runs before the scope (authentication, quotas, audit) keeps the plain handle.
  const rowLevelSecurity = given.rowLevelSecurity !== false;
  const deps: ApiDeps = rowLevelSecurity ? { ...given, db: scopedDatabase(given.db) } : given;
  const app = createRouter();
  app.use('*', requestId());
  app.use('*', requestLogger(deps.logger));

  app.route('/', healthRoutes(deps));
  app.route('/', dashboardRoutes(deps.dashboardDir));

  const v1 = createRouter();
  v1.use('*', auditMutations(deps.db));
  v1.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `request body is larger than ${maxBodyBytes} bytes`);
      },
    }),
  );
  // Registered before authentication, so the document is public and answers without calling on.
  // Paths are relative to the server URL: a client generated from this document calls /api/v1/...
  v1.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Cutover API', version: '1' }, servers: [{ url: '/api/v1' }] });
  v1.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  v1.openAPIRegistry.register('BlueGreenOptions', blueGreenOptionsSchema);
  v1.openAPIRegistry.register('CanaryOptions', canaryOptionsSchema);
  // Ahead of bearer authentication: the codec answers the Web UI's CORS preflights and checks its own tokens.
  v1.route('/codec', codecRoutes(deps));
  // Ahead of authentication too: whoever signs in has no session yet.
  v1.route('/auth', signInRoutes(deps));
  v1.use('*', authenticate(deps.db, { settings: deps.auth }));
  if (deps.quotas !== false) v1.use('*', enforceApiQuota(deps.db));
  if (rowLevelSecurity) v1.use('*', scopeReads(given.db));
  v1.route('/auth', sessionRoutes(deps));
  v1.route('/auth', totpRoutes(deps));
  v1.route('/admin/users', userRoutes(deps));
  v1.route('/admin', adminRoutes(deps));
  v1.route('/bindings', bindingRoutes(deps));
  v1.route('/workspaces', workspaceRoutes(deps));
  v1.route('/tokens', tokenRoutes(deps));
  v1.route('/services', serviceRoutes(deps));
  v1.route('/services', serviceTrafficRoutes(deps));
  v1.route('/services', serviceWeightRoutes(deps));
  v1.route('/deployments', deploymentRoutes(deps));
  v1.route('/deployments', deploymentControlRoutes(deps));
  v1.route('/deployments', deploymentRetryRoutes(deps));
  v1.route('/deployments', deploymentEventRoutes(deps));
  v1.route('/audit', auditRoutes(deps));
  v1.route('/ops/jobs', opsJobRoutes(deps));
  v1.route('/features', featureEventRoutes(deps));
  v1.route('/features', featureRoutes(deps));
  v1.route('/features', featureRampRoutes(deps));
  v1.route('/features', featureCopyRoutes(deps));
  v1.route('/features', featureCheckRoutes(deps));
  v1.route('/features', featurePreviewRoutes(deps));
  v1.route('/segments', segmentRoutes(deps));
  v1.route('/flags', ofrepRoutes(deps));
  v1.route('/flags', flagStreamRoutes(deps));
  app.route('/api/v1', v1);

  app.notFound((c) => {
    throw new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
  });
  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) c.get('logger').error({ err: error }, 'request failed');
    const body = {
      error: {
        code: apiError.code,
        message: apiError.message,
        requestId: c.get('requestId'),
        ...(apiError.details === undefined ? {} : { details: apiError.details }),
      },
    };
    return c.json(body, apiError.status);
  });
  return app;
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) {
      return new ApiError(400, 'invalid_json', 'request body is not valid JSON');
    }
    return new ApiError(error.status, error.status === 413 ? 'payload_too_large' : 'bad_request', error.message);
  }
  return new ApiError(500, 'internal', 'internal error');
}

export type App = ReturnType<typeof createApp>;

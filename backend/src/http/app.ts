import cookieParser from 'cookie-parser';
import express from 'express';
import type { AppService } from '../apps/app.service';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { NotebookFilesService } from '../notebook-files/notebook-files.service';
import type { NotebookService } from '../notebooks/notebook.service';
import type { Store } from '../store/store';
import type { AuthService } from '../users/auth.service';
import type { TokensService } from '../users/tokens.service';
import type { PrincipalWatcher } from '../users/principal-watch';
import type { UsersService } from '../users/users.service';
import { usersRoutes } from './users/users.routes';
import { authRoutes } from './auth/auth.routes';
import { oidcRoutes } from './auth/oidc.routes';
import type { OidcService } from '../users/oidc.service';
import { authenticateApi } from './middleware/auth';
import { apiNotFound, errorHandler } from './middleware/errors';
import { jsonBody } from './middleware/json-body';
import { requestLog } from './middleware/request-log';
import { sameOriginWrites } from './middleware/same-origin';
import { securityHeaders } from './middleware/security-headers';
import { serveFrontend } from './middleware/static-frontend';
import { notebookFilesRoutes } from './notebook-files/notebook-files.routes';
import { notebooksRoutes } from './notebooks/notebooks.routes';
import { healthRoutes } from './health/health.routes';
import type { HealthService } from './health/health.service';
import type { RunProgressService } from '../runs/run-progress';
import type { RunService } from '../runs/run.service';
import { runsRoutes } from './runs/runs.routes';
import type { RunningKernelsService } from '../kernels/sessions/running-kernels.service';
import { kernelsRoutes } from './kernels/kernels.routes';
import type { AuditService } from '../audit/audit.service';
import { auditRoutes } from './audit/audit.routes';
import type { FolioMetrics } from '../metrics/metrics';
import { httpMetrics } from '../metrics/http-metrics';
import { metricsRoutes } from '../metrics/metrics-endpoint';
import { tokensRoutes } from './tokens/tokens.routes';
import { openApiRoutes } from './openapi/openapi.routes';
import { appsRoutes } from './apps/apps.routes';

export interface AppDeps {
  config: Config;
  logger: Logger;
  store: Store;
  auth: AuthService;
  /** API tokens (/api/tokens, `Authorization: Bearer`); without it bearer requests get 401 and /api/tokens 404. */
  tokens?: TokensService;
  notebooks: NotebookService;
  /** A notebook's folder of files (/api/notebooks/:id/files); optional so tests of other routes can leave it out. */
  notebookFiles?: NotebookFilesService;
  /** GET /healthz and /readyz (public, outside /api); main.ts builds it from the store, Redis and Jupyter. */
  health?: HealthService;
  /** Published apps (/api/apps); optional so tests of other routes can leave it out. */
  apps?: AppService;
  /** Headless runs (POST /api/notebooks/:id/runs, GET /api/runs/:id[/ipynb]); optional until main.ts wires it. */
  runs?: RunService;
  /** Live run progress (GET /api/runs/:id/events, SSE); needs `runs`. */
  runProgress?: RunProgressService;
  /** The Running kernels panel (GET|DELETE /api/kernels[/:id]); web role only. */
  kernels?: RunningKernelsService;
  /** The audit trail (GET /api/audit, /api/audit/verify; admins). */
  audit?: AuditService;
  /** OpenID Connect single sign-on (/api/auth/oidc/*), when configured (config.signIn.oidc). */
  oidc?: OidcService;
  /** Prometheus metrics (GET /metrics and the HTTP request metrics); compose.ts gives every process its own. */
  metrics?: FolioMetrics;
  /** Accounts (/api/users, admins) and the public set-password links; optional so tests of other routes can leave it out. */
  users?: UsersService;
  /** Keeps the principals of open SSE streams checked (a disabled user's stream ends at once). */
  watcher?: PrincipalWatcher;
  /** The built SPA. Default frontend/dist of this checkout. */
  frontendDir?: string;
}

/**
 * The Express app: security headers, health, session-checked /api routes with JSON bodies, the SPA, and one error
 * handler. No listening here: main.ts owns the http.Server (and attaches the kernel WebSockets to it).
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('env', 'production'); // Express' own last-resort error page never shows a stack (errors.ts answers first)
  app.set('trust proxy', deps.config.http.trustProxy);
  if (deps.metrics) app.use(httpMetrics(deps.metrics, app));
  app.use(requestLog(deps.logger)); // request ids (X-Request-Id) and the access log, secrets redacted
  app.use(securityHeaders());

  if (deps.health) app.use(healthRoutes({ health: deps.health }));
  app.use(cookieParser());
  if (deps.metrics)
    app.use(metricsRoutes({ metrics: deps.metrics, metricsToken: deps.config.metrics.token, authenticate: authenticateApi(deps) }));
  // Sessions and API tokens are checked before bodies are parsed, so anonymous clients cannot make us parse large bodies.
  app.use('/api', sameOriginWrites, authenticateApi(deps), jsonBody({ large: deps.config.limits.maxUploadBytes }));
  app.use('/api', authRoutes({ auth: deps.auth, users: deps.users }));
  if (deps.users) app.use('/api/users', usersRoutes({ users: deps.users }));
  app.use('/api', oidcRoutes({ oidc: deps.oidc ?? null, passwordSignIn: deps.config.signIn.password, logger: deps.logger }));
  app.use('/api/notebooks', notebooksRoutes({ notebooks: deps.notebooks, config: deps.config }));
  if (deps.notebookFiles)
    app.use('/api/notebooks', notebookFilesRoutes({ files: deps.notebookFiles, config: deps.config }));
  if (deps.apps) app.use('/api/apps', appsRoutes({ apps: deps.apps }));
  if (deps.runs) app.use('/api', runsRoutes({ runs: deps.runs, progress: deps.runProgress, watcher: deps.watcher }));
  if (deps.kernels) app.use('/api/kernels', kernelsRoutes({ kernels: deps.kernels }));
  if (deps.tokens) app.use('/api/tokens', tokensRoutes({ tokens: deps.tokens }));
  if (deps.audit) app.use('/api/audit', auditRoutes({ audit: deps.audit, logger: deps.logger }));
  app.use('/api', openApiRoutes()); // GET /api/openapi.json
  app.use('/api', apiNotFound);

  app.use(serveFrontend(deps.frontendDir));
  app.use(errorHandler(deps.logger));
  return app;
}

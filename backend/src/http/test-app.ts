import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import pino from 'pino';
import { AppService } from '../apps/app.service';
import { AuditService } from '../audit/audit.service';
import { loadConfig, type Config } from '../config';
import { NotebookFilesService } from '../notebook-files/notebook-files.service';
import { NotebookAccess } from '../notebooks/notebook-access';
import { NotebookService } from '../notebooks/notebook.service';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Role, Store } from '../store/store';
import { listen } from '../testing/http';
import { AuthService } from '../users/auth.service';
import { oidcServiceFor } from '../users/oidc.service';
import { TokensService, type TokensServiceOptions } from '../users/tokens.service';
import { PrincipalWatcher } from '../users/principal-watch';
import { UserChangeHub } from '../users/user-changes';
import { UsersService } from '../users/users.service';
import { createApp, type AppDeps } from './app';

/**
 * For HTTP tests: the real app on 127.0.0.1:<free port> over a temp SQLite file. `signIn` creates a user with
 * that role and returns its session cookie. `close()` stops the server and removes the temp directory.
 */
export interface TestApp {
  url: string;
  config: Config;
  store: Store;
  auth: AuthService;
  /** The audit trail the app's services record to. */
  audit: AuditService;
  /** Published apps (/api/apps). */
  apps: AppService;
  /** API tokens (`Authorization: Bearer`). */
  tokens: TokensService;
  users: UsersService;
  /** This app's announcements of users' sign-in changes (in process only). */
  changes: UserChangeHub;
  /** Re-checks the principals of open streams and sockets (as compose.ts's). */
  watcher: PrincipalWatcher;
  server: http.Server;
  signIn(role?: Role, email?: string): Promise<{ cookie: string; userId: string }>;
  close(): Promise<void>;
}

export async function startTestApp(
  opts: {
    env?: Record<string, string>;
    /** Deps to replace or add; a function gets the app's store, audit trail and config (to build services on them). */
    overrides?: Partial<AppDeps> | ((parts: { store: Store; audit: AuditService; config: Config }) => Partial<AppDeps>);
    /** Listen on this port instead of a free one (e.g. one registered at a test IdP beforehand). */
    port?: number;
    /** The clock of the sign-in services, for expiry tests. Default Date.now. */
    now?: () => number;
    /** Options of the API tokens service (a clock, a logger). */
    tokens?: Partial<Pick<TokensServiceOptions, 'now' | 'logger' | 'expiry'>>;
  } = {},
): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-http-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...opts.env });
  const logger = pino({ level: 'silent' });
  const store = openSqliteStore(path.join(dir, 'folio.db'));
  const changes = new UserChangeHub();
  const audit = new AuditService({ audit: store.audit, logger });
  const auth = new AuthService({
    store,
    logger,
    audit,
    changes,
    passwordSignIn: config.signIn.password,
    now: opts.now,
    idleMs: config.sessions.idleMs,
    absoluteMs: config.sessions.absoluteMs,
  });
  const users = new UsersService(store, { auth, audit, inviteMs: config.sessions.inviteMs, now: opts.now });
  const watcher = new PrincipalWatcher({ auth, changes });
  const oidc = oidcServiceFor(config.signIn.oidc, {
    audit,
    store,
    logger,
    now: opts.now,
    startSession: (u, from) => auth.startSession(u, { ...from, method: 'oidc' }),
    endSession: (token) => auth.logout(token),
    endSessions: (id) => auth.endSessions(id),
  });
  const access = new NotebookAccess({ notebooks: store.notebooks, shares: store.notebookShares, audit });
  const notebooks = new NotebookService({
    notebooks: store.notebooks,
    access,
    shares: store.notebookShares,
    limits: config.limits,
    users: store.users,
    audit,
  });
  const notebookFiles = new NotebookFilesService({
    files: store.notebookFiles,
    notebooks: store.notebooks,
    access,
    limits: config.limits,
    users: store.users,
  });
  const apps = new AppService({
    apps: store.apps,
    notebooks: store.notebooks,
    files: store.notebookFiles,
    notebookAccess: access,
    users: store.users,
    audit,
  });
  const tokens = new TokensService({
    tokens: store.apiTokens,
    users: store.users,
    activeUser: (id) => auth.activeUser(id),
    audit,
    logger,
    now: opts.now,
    ...opts.tokens,
  });
  const overrides = typeof opts.overrides === 'function' ? opts.overrides({ store, audit, config }) : opts.overrides;
  const app = createApp({
    config,
    logger,
    store,
    auth,
    oidc,
    tokens,
    notebooks,
    notebookFiles,
    apps,
    audit,
    users,
    watcher,
    ...overrides,
  });
  // Folio's server settings (keep-alive), as compose.ts; requests go through testing/http.ts's testFetch.
  const { server, url } = await listen(app, opts.port);
  let n = 0;
  return {
    url,
    config,
    store,
    auth,
    audit,
    apps,
    tokens,
    users,
    changes,
    watcher,
    server,
    async signIn(role = 'author', email = `${role}-${++n}@folio.test`) {
      const user = await users.create({ email, role, password: 'test-password' });
      const { token } = await auth.login(email, 'test-password');
      return { cookie: `folio_session=${token}`, userId: user.id };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

import path from 'node:path';
import { z } from 'zod';
import type { Role } from './contracts/principal';

/**
 * The one place that reads process.env. Every variable is documented in README.md with its default.
 * A bad value stops start-up with a message naming each offending variable.
 */
const optionalUrl = z.url().optional();

const EnvSchema = z.object({
  /** HTTP port of the Folio server. Default 8080. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where SQLite, the embedded Jupyter root and the embedded Redis data live. Default ./data */
  DATA_DIR: z.string().min(1).default('./data'),
  /** MongoDB connection string for production. Unset: embedded SQLite at DATA_DIR/folio.db. */
  MONGODB_URL: optionalUrl,
  /** Redis for the BullMQ queue. Unset: an embedded redis-server child on a free port. */
  REDIS_URL: optionalUrl,
  /** External Jupyter Server or Enterprise Gateway. Unset: an embedded Jupyter Server child. */
  JUPYTER_URL: optionalUrl,
  /** Token for JUPYTER_URL. Ignored for the embedded server, which gets a random one. */
  JUPYTER_TOKEN: z.string().default(''),
  /** Process role: web (API + UI), worker (runs jobs) or all. Default all. */
  FOLIO_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  /** Warm kernels kept ready per kernelspec. Default 2. */
  KERNEL_POOL_SIZE: z.coerce.number().int().min(0).max(64).default(2),
  /** Email of the admin created on first start. Default admin@folio.local */
  FOLIO_ADMIN_EMAIL: z.email().default('admin@folio.local'),
  /** Password of that admin. Unset: a random one, printed once on first start. */
  FOLIO_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** pino level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted .ipynb upload, in MB. Default 50. */
  FOLIO_MAX_UPLOAD_MB: z.coerce.number().positive().default(50),
  /** Largest notebook file (PUT /api/notebooks/:id/files/:path), in MB. Default 50. */
  FOLIO_MAX_FILE_MB: z.coerce.number().positive().default(50),
  /** Per-cell output cap, in MB, before truncation. Default 20. */
  FOLIO_MAX_OUTPUT_MB: z.coerce.number().positive().default(20),
  /** Cap on the outputs of a headless run, all cells together, in MB (then dropped with a note). Default 100. */
  FOLIO_MAX_RUN_OUTPUT_MB: z.coerce.number().positive().default(100),
  /** Per-cell execution timeout in seconds for headless runs. Default 600. */
  FOLIO_CELL_TIMEOUT_S: z.coerce.number().positive().default(600),
  /** Live editor kernels idle longer than this are shut down, in minutes. Default 60. */
  FOLIO_IDLE_KERNEL_MINUTES: z.coerce.number().positive().default(60),
  /** Live editor kernels still running cells this long after their last tab closed are interrupted, then shut down, in minutes. Default 30. */
  FOLIO_BUSY_DETACHED_KERNEL_MINUTES: z.coerce.number().positive().default(30),
  /** On SIGTERM, how long running headless runs may go on before their cells are interrupted, in seconds. Default 15. */
  FOLIO_SHUTDOWN_DRAIN_S: z.coerce.number().min(0).max(600).default(15),
  /** Notebooks one user may have running live kernels at once. Default 4. */
  FOLIO_MAX_KERNELS_PER_USER: z.coerce.number().int().min(1).default(4),
  /** Live editing kernels running at once on this web process, all users. Default 16. */
  FOLIO_MAX_LIVE_KERNELS: z.coerce.number().int().min(1).default(16),
  /** A sign-in session ends after this many minutes without a request. Default 30. */
  FOLIO_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(30),
  /** A sign-in session ends this many hours after sign-in, however active. Default 12. */
  FOLIO_SESSION_MAX_HOURS: z.coerce
    .number()
    .positive()
    .max(30 * 24)
    .default(12),
  /** A set-password link (invitation or password reset) works this many days. Default 7. */
  FOLIO_INVITE_DAYS: z.coerce.number().positive().max(90).default(7),
  /**
   * Express `trust proxy` for a reverse proxy in front of Folio: `true`, a hop count, or a comma-separated list of
   * proxy addresses/subnets. Unset: false (client IPs and https come from the socket itself).
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*|loopback|linklocal|uniquelocal)$/, 'must be true, false, a hop count, or a list of proxy addresses')
    .optional(),
  /** Folio's address as browsers reach it, e.g. https://folio.bank.example. Needed for single sign-on (its redirect URL). */
  FOLIO_PUBLIC_URL: optionalUrl,
  /** Whether email + password sign-in stays on. Default true; false needs FOLIO_OIDC_ISSUER (SSO only). */
  FOLIO_PASSWORD_LOGIN: z.enum(['true', 'false']).default('true'),
  /** OpenID Connect single sign-on (users/oidc.service.ts). Unset: off. Issuer identifier (https, or http on loopback). */
  FOLIO_OIDC_ISSUER: optionalUrl,
  /** The client registered at the IdP for Folio. Required with FOLIO_OIDC_ISSUER. */
  FOLIO_OIDC_CLIENT_ID: z.string().optional(),
  /** Its secret (client_secret_basic). Unset: a public client (PKCE only). */
  FOLIO_OIDC_CLIENT_SECRET: z.string().optional(),
  /** Scopes asked for, space-separated; must include openid. Default "openid email profile". */
  FOLIO_OIDC_SCOPES: z.string().default('openid email profile'),
  /** The provider's name on the login page ("Sign in with …"). Default "single sign-on". */
  FOLIO_OIDC_NAME: z.string().max(60).default('single sign-on'),
  /** The claim (dot path, e.g. groups or realm_access.roles) mapped to the role on every sign-in. Unset: roles are Folio's. */
  FOLIO_OIDC_ROLE_CLAIM: z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dot path').optional(),
  /** JSON object: claim value → role, e.g. {"folio-admins":"admin","quants":"author"}. Unset: the value is the role name. */
  FOLIO_OIDC_ROLE_MAP: z.string().optional(),
  /** Role of a user whose claim maps to none (or of every new user without a role claim); none refuses them. Default viewer. */
  FOLIO_OIDC_DEFAULT_ROLE: z.enum(['admin', 'author', 'viewer', 'none']).default('viewer'),
  /** true: the first SSO sign-in with a verified email links the existing Folio account of that email. Default false (refused). */
  FOLIO_OIDC_LINK_BY_EMAIL: z.enum(['true', 'false']).default('false'),
  /**
   * A static bearer token for Prometheus to scrape GET /metrics with (compared timing-safe; 24+ characters). Unset:
   * only an admin's API token with scope admin (or an admin's session) may scrape.
   */
  FOLIO_METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Worker role only: serve GET /metrics on this port (needs FOLIO_METRICS_TOKEN). Unset: no metrics listener. */
  FOLIO_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  dataDir: string;
  role: Env['FOLIO_ROLE'];
  logLevel: Env['LOG_LEVEL'];
  store: { kind: 'sqlite'; file: string } | { kind: 'mongo'; url: string };
  redis: { url?: string };
  jupyter: { url?: string; token: string };
  kernels: {
    poolSize: number;
    cellTimeoutMs: number;
    maxOutputBytes: number;
    /** All cells of one headless run together. */
    maxRunOutputBytes: number;
    idleMs: number;
    /** Live kernels with no tab attached, still running cells this long, are interrupted and culled. */
    busyDetachedMs: number;
    /** Live kernels per user and in all (web role). */
    maxPerUser: number;
    maxLive: number;
  };
  admin: { email: string; password?: string };
  /** Sign-in sessions: idle and absolute expiry; how long a set-password link works. */
  sessions: { idleMs: number; absoluteMs: number; inviteMs: number };
  /** Graceful stop: running runs get `drainMs`, then are interrupted (they end failed, code interrupted). */
  shutdown: { drainMs: number };
  limits: { maxUploadBytes: number; maxFileBytes: number };
  http: { trustProxy: boolean | number | string; publicUrl?: string };
  /** GET /metrics: the scrapers' static token; the worker role's own metrics port. */
  metrics: { token?: string; port?: number };
  /** Which sign-in methods exist: email + password, and OpenID Connect single sign-on when configured. */
  signIn: { password: boolean; oidc: OidcConfig | null };
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** FOLIO_PUBLIC_URL + /api/auth/oidc/callback: register exactly this at the IdP. */
  redirectUrl: string;
  scopes: string[];
  /** Shown on the login page: "Sign in with <name>". */
  name: string;
  /** Dot path of the claim that carries the role (string or array of strings); null: roles are managed in Folio. */
  roleClaim: string | null;
  /** Claim value → role; null: the value itself must be a role name. */
  roleMap: Record<string, Role> | null;
  /** Role when the claim maps to none (and of new users without a role claim); null refuses the sign-in. */
  defaultRole: Role | null;
  /** Link an existing account by verified email on the first SSO sign-in (otherwise refused). */
  linkByEmail: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse an environment (process.env by default) into the typed config; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const layout = [...layoutProblems(e), ...signInProblems(e)];
  if (layout.length) throw new ConfigError(layout);
  const dataDir = path.resolve(e.DATA_DIR);
  const mb = 1024 * 1024;
  return {
    port: e.PORT,
    dataDir,
    role: e.FOLIO_ROLE,
    logLevel: e.LOG_LEVEL,
    store: e.MONGODB_URL ? { kind: 'mongo', url: e.MONGODB_URL } : { kind: 'sqlite', file: path.join(dataDir, 'folio.db') },
    redis: { url: e.REDIS_URL },
    jupyter: { url: e.JUPYTER_URL, token: e.JUPYTER_TOKEN },
    kernels: {
      poolSize: e.KERNEL_POOL_SIZE,
      cellTimeoutMs: e.FOLIO_CELL_TIMEOUT_S * 1000,
      maxOutputBytes: Math.round(e.FOLIO_MAX_OUTPUT_MB * mb),
      maxRunOutputBytes: Math.round(e.FOLIO_MAX_RUN_OUTPUT_MB * mb),
      idleMs: e.FOLIO_IDLE_KERNEL_MINUTES * 60_000,
      busyDetachedMs: e.FOLIO_BUSY_DETACHED_KERNEL_MINUTES * 60_000,
      maxPerUser: e.FOLIO_MAX_KERNELS_PER_USER,
      maxLive: e.FOLIO_MAX_LIVE_KERNELS,
    },
    admin: { email: e.FOLIO_ADMIN_EMAIL, password: e.FOLIO_ADMIN_PASSWORD },
    sessions: {
      idleMs: Math.round(e.FOLIO_SESSION_IDLE_MINUTES * 60_000),
      absoluteMs: Math.round(e.FOLIO_SESSION_MAX_HOURS * 3_600_000),
      inviteMs: Math.round(e.FOLIO_INVITE_DAYS * 86_400_000),
    },
    shutdown: { drainMs: e.FOLIO_SHUTDOWN_DRAIN_S * 1000 },
    limits: { maxUploadBytes: Math.round(e.FOLIO_MAX_UPLOAD_MB * mb), maxFileBytes: Math.round(e.FOLIO_MAX_FILE_MB * mb) },
    http: { trustProxy: parseTrustProxy(e.TRUST_PROXY), publicUrl: e.FOLIO_PUBLIC_URL?.replace(/\/+$/, '') },
    signIn: { password: e.FOLIO_PASSWORD_LOGIN === 'true', oidc: oidcConfig(e) },
    metrics: { token: e.FOLIO_METRICS_TOKEN, port: e.FOLIO_METRICS_PORT },
  };
}

/**
 * Process layouts that cannot work. FOLIO_ROLE=web or worker runs in a process of its own, next to the other role:
 * the two meet only through Redis (web queues runs, workers take them), so both need the same REDIS_URL; an embedded
 * redis-server would be private to each process. (Two embedded Jupyter Servers are fine: each process has its own.)
 */
function layoutProblems(e: Env): string[] {
  if (e.FOLIO_METRICS_PORT !== undefined && !e.FOLIO_METRICS_TOKEN) {
    return ['FOLIO_METRICS_PORT: needs FOLIO_METRICS_TOKEN (the worker metrics listener accepts only that token).'];
  }
  if (e.FOLIO_ROLE === 'all' || e.REDIS_URL) return [];
  const lost = e.FOLIO_ROLE === 'web' ? 'the runs it queues would never reach a worker' : 'it would never see the runs web queues';
  return [
    `REDIS_URL: required with FOLIO_ROLE=${e.FOLIO_ROLE}. Web and worker processes meet only through Redis (web queues runs, ` +
      `workers take them); an embedded redis-server would be private to this process, so ${lost}. Set REDIS_URL to one ` +
      'Redis shared by every web and worker process, or run both roles in one process with FOLIO_ROLE=all (embedded Redis).',
  ];
}

function parseTrustProxy(v: string | undefined): boolean | number | string {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  return /^\d+$/.test(v) ? Number(v) : v;
}

const ROLE_NAMES: readonly Role[] = ['admin', 'author', 'viewer'];
const OIDC_VARS = ['FOLIO_OIDC_CLIENT_ID', 'FOLIO_OIDC_CLIENT_SECRET', 'FOLIO_OIDC_ROLE_CLAIM', 'FOLIO_OIDC_ROLE_MAP'] as const;
const isLoopback = (host: string) => ['localhost', '127.0.0.1', '[::1]'].includes(host) || /^127\./.test(host);

/** The claim value → role map of FOLIO_OIDC_ROLE_MAP, or a problem. */
function parseRoleMap(json: string): Record<string, Role> | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'FOLIO_OIDC_ROLE_MAP: must be a JSON object of claim value → role, e.g. {"folio-admins":"admin","quants":"author"}';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'FOLIO_OIDC_ROLE_MAP: must be a JSON object';
  const bad = Object.entries(value).filter(([, r]) => !ROLE_NAMES.includes(r as Role));
  if (bad.length) return `FOLIO_OIDC_ROLE_MAP: ${bad.map(([k]) => JSON.stringify(k)).join(', ')} must map to admin, author or viewer`;
  return value as Record<string, Role>;
}

/** Sign-in settings that cannot work together. */
function signInProblems(e: Env): string[] {
  const problems: string[] = [];
  if (!e.FOLIO_OIDC_ISSUER) {
    for (const v of OIDC_VARS) if (e[v] !== undefined) problems.push(`${v}: set FOLIO_OIDC_ISSUER too, or unset it`);
    if (e.FOLIO_PASSWORD_LOGIN === 'false') problems.push('FOLIO_PASSWORD_LOGIN: false leaves no way to sign in without FOLIO_OIDC_ISSUER');
    return problems;
  }
  const issuer = new URL(e.FOLIO_OIDC_ISSUER);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer.hostname))) {
    problems.push('FOLIO_OIDC_ISSUER: must be https (plain http only on a loopback address, for tests)');
  }
  if (!e.FOLIO_OIDC_CLIENT_ID) problems.push('FOLIO_OIDC_CLIENT_ID: required with FOLIO_OIDC_ISSUER');
  if (!e.FOLIO_PUBLIC_URL) {
    problems.push('FOLIO_PUBLIC_URL: required with FOLIO_OIDC_ISSUER (the redirect URL registered at the IdP is derived from it)');
  }
  if (!e.FOLIO_OIDC_SCOPES.split(/\s+/).includes('openid')) problems.push('FOLIO_OIDC_SCOPES: must include openid');
  if (e.FOLIO_OIDC_ROLE_MAP !== undefined) {
    if (!e.FOLIO_OIDC_ROLE_CLAIM) problems.push('FOLIO_OIDC_ROLE_MAP: needs FOLIO_OIDC_ROLE_CLAIM (the claim it maps)');
    const map = parseRoleMap(e.FOLIO_OIDC_ROLE_MAP);
    if (typeof map === 'string') problems.push(map);
  }
  return problems;
}

function oidcConfig(e: Env): OidcConfig | null {
  if (!e.FOLIO_OIDC_ISSUER || !e.FOLIO_OIDC_CLIENT_ID || !e.FOLIO_PUBLIC_URL) return null;
  const map = e.FOLIO_OIDC_ROLE_MAP === undefined ? null : parseRoleMap(e.FOLIO_OIDC_ROLE_MAP);
  return {
    issuer: e.FOLIO_OIDC_ISSUER,
    clientId: e.FOLIO_OIDC_CLIENT_ID,
    clientSecret: e.FOLIO_OIDC_CLIENT_SECRET,
    redirectUrl: `${e.FOLIO_PUBLIC_URL.replace(/\/+$/, '')}/api/auth/oidc/callback`,
    scopes: e.FOLIO_OIDC_SCOPES.split(/\s+/).filter(Boolean),
    name: e.FOLIO_OIDC_NAME,
    roleClaim: e.FOLIO_OIDC_ROLE_CLAIM ?? null,
    roleMap: typeof map === 'string' ? null : map,
    defaultRole: e.FOLIO_OIDC_DEFAULT_ROLE === 'none' ? null : e.FOLIO_OIDC_DEFAULT_ROLE,
    linkByEmail: e.FOLIO_OIDC_LINK_BY_EMAIL === 'true',
  };
}

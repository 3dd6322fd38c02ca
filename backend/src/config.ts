import path from 'node:path';
import { z } from 'zod';

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
  /**
   * Express `trust proxy` for a reverse proxy in front of Folio: `true`, a hop count, or a comma-separated list of
   * proxy addresses/subnets. Unset: false (client IPs and https come from the socket itself).
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*|loopback|linklocal|uniquelocal)$/, 'must be true, false, a hop count, or a list of proxy addresses')
    .optional(),
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
  /** Graceful stop: running runs get `drainMs`, then are interrupted (they end failed, code interrupted). */
  shutdown: { drainMs: number };
  limits: { maxUploadBytes: number; maxFileBytes: number };
  http: { trustProxy: boolean | number | string };
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
  const layout = layoutProblems(e);
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
    shutdown: { drainMs: e.FOLIO_SHUTDOWN_DRAIN_S * 1000 },
    limits: { maxUploadBytes: Math.round(e.FOLIO_MAX_UPLOAD_MB * mb), maxFileBytes: Math.round(e.FOLIO_MAX_FILE_MB * mb) },
    http: { trustProxy: parseTrustProxy(e.TRUST_PROXY) },
  };
}

/**
 * Process layouts that cannot work. FOLIO_ROLE=web or worker runs in a process of its own, next to the other role:
 * the two meet only through Redis (web queues runs, workers take them), so both need the same REDIS_URL; an embedded
 * redis-server would be private to each process. (Two embedded Jupyter Servers are fine: each process has its own.)
 */
function layoutProblems(e: Env): string[] {
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

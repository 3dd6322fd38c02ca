import type { Redis } from 'ioredis';
import type { SupervisorState } from '../../embedded/supervisor';
import type { Store } from '../../store/store';
import { withTimeout } from '../../util/timeout';

/** The dependencies /readyz reports on. */
export type Dependency = 'store' | 'redis' | 'jupyter';
export interface CheckResult {
  state: 'up' | 'down';
  error?: string;
}
export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: Record<Dependency, CheckResult>;
}
/** Resolves when the dependency is usable; throws (with a short, secret-free message) otherwise. */
export type Check = () => Promise<void>;

/** Runs every dependency check concurrently, each bounded by a timeout, and says which are down. */
export class HealthService {
  constructor(
    private readonly checks: Record<Dependency, Check>,
    /** Per-check deadline. Default 2 s: a probe must answer before the orchestrator's own timeout. */
    private readonly timeoutMs = 2_000,
  ) {}

  async readiness(): Promise<Readiness> {
    const names = Object.keys(this.checks) as Dependency[];
    const results = await Promise.all(names.map((n) => this.run(this.checks[n])));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i]])) as Record<Dependency, CheckResult>;
    return { status: results.every((r) => r.state === 'up') ? 'ok' : 'unavailable', checks };
  }

  private async run(check: Check): Promise<CheckResult> {
    try {
      await withTimeout(check(), this.timeoutMs, 'no answer');
      return { state: 'up' };
    } catch (e) {
      return { state: 'down', error: describe(e) };
    }
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}

export function storeCheck(store: Pick<Store, 'ping'>): Check {
  return () => store.ping();
}

/**
 * PING over a long-lived client (made with producerConnection: no offline queue, so it never hangs). While the
 * client is reconnecting the check fails at once with the last connection error.
 */
export function redisCheck(client: Redis): Check {
  let lastError = '';
  client.on('error', (e: Error & { code?: string }) => {
    lastError = e.code ?? e.message;
  });
  return async () => {
    if (client.status !== 'ready')
      throw new Error(`not connected (${client.status}${lastError ? `: ${lastError}` : ''})`);
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
  };
}

/** `GET <url>/api/status` with the token in the Authorization header (never in a URL that could be logged). */
export function jupyterCheck(server: { url: string; token: string }): Check {
  const statusUrl = `${server.url.replace(/\/+$/, '')}/api/status`;
  return async () => {
    const res = await fetch(statusUrl, { headers: server.token ? { Authorization: `token ${server.token}` } : {} });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`GET /api/status answered HTTP ${res.status}`);
  };
}

/**
 * For an embedded child (embedded/supervisor.ts): down at once while it is being restarted, saying how it exited
 * and which attempt this is; otherwise the child's own `check`. Without a supervisor, `check` itself.
 */
export function supervisedCheck(supervisor: { state(): SupervisorState } | undefined, check: Check): Check {
  if (!supervisor) return check; // an external service (REDIS_URL, JUPYTER_URL)
  return async () => {
    const s = supervisor.state();
    // The last start error stays in the log: /readyz is public and names only the kind of failure.
    if (s.state === 'restarting') throw new Error(`restarting after it exited (${s.lastExit}), attempt ${s.attempt}`);
    if (s.state === 'stopped') throw new Error('stopped');
    await check();
  };
}

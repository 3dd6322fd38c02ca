import { EventEmitter } from 'node:events';
import type { Principal } from '../../contracts/principal';
import { DomainError, notFound } from '../../errors';
import type { Logger } from '../../logger';
import { KernelSession } from './kernel-session';
import {
  COMPLETE_INSPECT_TIMEOUT_MS,
  type KernelSource,
  type KernelWorkspace,
  type SessionClient,
} from './session-events';

export interface KernelSessionManagerOptions {
  /** Where kernels come from: a KernelPool kept for live editing (separate from the run workers' pool). */
  kernels: KernelSource;
  logger: Logger;
  /** A session with no tab attached and nothing running for this long gives its kernel back (config kernels.idleMs). */
  idleMs: number;
  /** Also cull sessions that still have a tab open once idle that long. Default false (Jupyter's cull_connected). */
  cullConnected?: boolean;
  /**
   * A session with no tab attached whose cells are still running this long after its last activity (the last tab
   * leaving, a cell queued) is interrupted, then culled (config kernels.busyDetachedMs). Default 30 min.
   */
  busyDetachedMs?: number;
  /** After that interrupt, how long the cells get to stop before the kernel is shut down anyway. Default 5 s. */
  interruptGraceMs?: number;
  /** How often culling candidates are looked for. Default a quarter of the shorter of idleMs and busyDetachedMs, between 1 s and 60 s. */
  cullIntervalMs?: number;
  /** How long to wait for a kernel from the pool. Default 30 s. */
  acquireTimeoutMs?: number;
  /** Per-cell output cap (config kernels.maxOutputBytes). Default 20 MB. */
  maxOutputBytes?: number;
  /** Outputs of a running cell are sent at most this often. Default 50 ms. */
  outputThrottleMs?: number;
  /** Time limit for complete/inspect replies. Default COMPLETE_INSPECT_TIMEOUT_MS (30 s). */
  requestTimeoutMs?: number;
  /** Time allowed for a restart asked for by a tab; past it the kernel is replaced. Default 20 s (as KernelPool's). */
  restartTimeoutMs?: number;
  /** Sessions of one user holding a kernel at once (config FOLIO_MAX_KERNELS_PER_USER). Default unlimited. */
  maxKernelsPerUser?: number;
  /** Sessions holding a kernel at once, all users (config FOLIO_MAX_LIVE_KERNELS). Default unlimited. */
  maxLiveKernels?: number;
  /**
   * Each session's working directory for its kernel: a folder with the notebook's files, kept in step with them
   * (notebook-files/kernel-workspaces.ts). Default none: kernels stay in the Jupyter Server's root dir.
   */
  workspaces?: (session: { userId: string; notebookId: string }) => KernelWorkspace;
  /** Clock. Default Date.now. */
  now?: () => number;
}

export interface KernelSessionInfo {
  /** The session's stable id (DELETE /api/kernels/:id). */
  id: string;
  userId: string;
  notebookId: string;
  kernelId: string | null;
  status: string;
  /** Tabs attached. */
  clients: number;
  /** When the current kernel was started or last restarted; null without a kernel. */
  startedAt: string | null;
  lastActivity: string;
}

/** Where the Running kernels panel links the kernel caps' message (frontend route). */
export const RUNNING_KERNELS_PATH = '/kernels';

/**
 * Live kernel sessions, one per (user, notebook): tabs of the same user on the same notebook share it, and a
 * browser refresh reconnects to it (same kernel, same variables). Sessions without tabs that stay idle for
 * `idleMs` are culled (kernel back to the pool); those without tabs still running cells after `busyDetachedMs` are
 * interrupted first, then culled. Emits `culled` with the session after a cull. At most
 * `maxKernelsPerUser` sessions of a user and `maxLiveKernels` in all hold a kernel. A session that needs a kernel
 * past a cap first makes room by shutting down the user's least recently used kernel that nobody is using — no tab
 * attached, nothing running or queued — and emits `evicted` with it; only when there is none (every kernel of the
 * user is open in a tab or running cells) do its tabs get an 'overloaded' error, naming the Running kernels panel.
 *
 * Why that rule: the cap exists to bound memory and cores, and a kernel nobody looks at is what JupyterHub's and
 * Hex's cullers reclaim first; keeping closed notebooks' kernels (JupyterLab's habit: closing a tab keeps its kernel)
 * must not turn into a lockout after N notebooks. A busy kernel, or one a tab shows, is never killed silently — the
 * author decides in the panel.
 */
export class KernelSessionManager extends EventEmitter<{ culled: [KernelSession]; evicted: [KernelSession] }> {
  private readonly opts: Required<Omit<KernelSessionManagerOptions, 'cullIntervalMs' | 'workspaces'>> &
    Pick<KernelSessionManagerOptions, 'workspaces'>;
  private readonly sessions = new Map<string, KernelSession>();
  /** (user, notebook) → when its kernel was shut down to make room: the next tab on it is told why its variables are gone. */
  private readonly evicted = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private culling: Promise<number> | null = null;
  private readonly log: Logger;

  constructor(opts: KernelSessionManagerOptions) {
    super();
    this.opts = {
      kernels: opts.kernels,
      logger: opts.logger,
      idleMs: opts.idleMs,
      cullConnected: opts.cullConnected ?? false,
      busyDetachedMs: opts.busyDetachedMs ?? 30 * 60_000,
      interruptGraceMs: opts.interruptGraceMs ?? 5_000,
      acquireTimeoutMs: opts.acquireTimeoutMs ?? 30_000,
      maxOutputBytes: opts.maxOutputBytes ?? 20 * 1024 * 1024,
      outputThrottleMs: opts.outputThrottleMs ?? 50,
      requestTimeoutMs: opts.requestTimeoutMs ?? COMPLETE_INSPECT_TIMEOUT_MS,
      restartTimeoutMs: opts.restartTimeoutMs ?? 20_000,
      maxKernelsPerUser: opts.maxKernelsPerUser ?? Infinity,
      maxLiveKernels: opts.maxLiveKernels ?? Infinity,
      workspaces: opts.workspaces,
      now: opts.now ?? Date.now,
    };
    this.log = opts.logger.child({ component: 'kernel-sessions' });
    const every =
      opts.cullIntervalMs ??
      Math.min(60_000, Math.max(1_000, Math.min(this.opts.idleMs, this.opts.busyDetachedMs) / 4));
    this.timer = setInterval(() => void this.cull(), every);
    this.timer.unref();
  }

  /** Attaches a tab to the (user, notebook) session, creating it if needed. */
  open(userId: string, notebookId: string, client: SessionClient): KernelSession {
    if (this.closed) throw new Error('Live kernel sessions are shut down.');
    const key = sessionKey(userId, notebookId);
    let session = this.sessions.get(key);
    if (!session) {
      session = new KernelSession({
        userId,
        notebookId,
        kernels: this.opts.kernels,
        logger: this.opts.logger,
        acquireTimeoutMs: this.opts.acquireTimeoutMs,
        maxOutputBytes: this.opts.maxOutputBytes,
        outputThrottleMs: this.opts.outputThrottleMs,
        requestTimeoutMs: this.opts.requestTimeoutMs,
        restartTimeoutMs: this.opts.restartTimeoutMs,
        admit: (s) => this.admit(s),
        workspace: this.opts.workspaces?.({ userId, notebookId }),
        now: this.opts.now,
      });
      this.sessions.set(key, session);
    }
    session.attach(client);
    const evictedAt = this.evicted.get(key);
    if (evictedAt !== undefined) {
      this.evicted.delete(key);
      const at = new Date(evictedAt).toISOString().slice(11, 16);
      client.send({
        type: 'error',
        code: 'evicted',
        message: `This notebook's kernel was shut down at ${at} UTC to make room for another notebook (kernel limit reached); its variables are lost.`,
      });
    }
    return session;
  }

  /** Detaches a tab. The session (and its kernel) stays for a reconnect until culled. */
  leave(session: KernelSession, client: SessionClient): void {
    session.detach(client);
    if (session.isIdle && !session.hasKernel) this.forget(session);
  }

  get(userId: string, notebookId: string): KernelSession | undefined {
    return this.sessions.get(sessionKey(userId, notebookId));
  }

  list(): KernelSessionInfo[] {
    return [...this.sessions.values()].map(info);
  }

  /** The sessions holding a kernel that `who` may see and stop: their own; an admin's, everyone's. */
  listFor(who: Principal): KernelSessionInfo[] {
    return this.visibleTo(who).map(info);
  }

  /**
   * Shuts down one session's kernel for `who` (404 when it is not one they may see, so others' ids are not
   * confirmed). Tabs still showing the notebook keep the session and are told; running the next cell starts a fresh
   * kernel. A session without tabs ends.
   */
  async shutdownFor(who: Principal, sessionId: string): Promise<void> {
    const session = this.visibleTo(who).find((s) => s.id === sessionId);
    if (!session) throw notFound('Kernel session');
    await this.shutdownSession(session, who);
  }

  /** Shuts down every kernel `who` sees (their own; an admin's, everyone's); returns how many. */
  async shutdownAllFor(who: Principal): Promise<number> {
    const sessions = this.visibleTo(who);
    await Promise.all(sessions.map((s) => this.shutdownSession(s, who)));
    return sessions.length;
  }

  private visibleTo(who: Principal): KernelSession[] {
    return [...this.sessions.values()].filter((s) => s.hasKernel && (who.role === 'admin' || s.userId === who.id));
  }

  private async shutdownSession(session: KernelSession, who: Principal): Promise<void> {
    const by = who.id === session.userId ? '' : ` by ${who.name || who.email}`;
    const message = `The kernel was shut down${by} from Running kernels; run a cell to start a new one.`;
    this.log.info({ userId: session.userId, notebookId: session.notebookId, by: who.id }, 'live kernel shut down');
    if (session.clientCount === 0) await this.end(session, message);
    else await session.shutdownKernel(message);
  }

  /** Ends every session of a notebook (it was deleted). */
  async endNotebook(notebookId: string): Promise<void> {
    const ending = [...this.sessions.values()].filter((s) => s.notebookId === notebookId);
    await Promise.all(ending.map((s) => this.end(s, 'This notebook was deleted; its kernel was shut down.')));
  }

  /** Ends one user's session of a notebook (they may no longer edit it); its tabs are told why. */
  async endFor(userId: string, notebookId: string, message: string): Promise<void> {
    const session = this.sessions.get(sessionKey(userId, notebookId));
    if (session) await this.end(session, message);
  }

  /**
   * Culls idle sessions, and interrupts then culls those without tabs still running cells after busyDetachedMs;
   * returns how many. Runs on a timer (one pass at a time); callable directly.
   */
  cull(): Promise<number> {
    this.culling ??= this.cullOnce().finally(() => (this.culling = null));
    return this.culling;
  }

  private async cullOnce(): Promise<number> {
    const now = this.opts.now();
    const all = [...this.sessions.values()];
    const idle = all.filter(
      (s) =>
        now - s.lastActivity >= this.opts.idleMs &&
        (s.isIdle || (this.opts.cullConnected && s.currentStatus !== 'busy' && s.currentStatus !== 'starting')),
    );
    const busy = all.filter(
      (s) =>
        !idle.includes(s) && s.clientCount === 0 && s.isRunning && now - s.lastActivity >= this.opts.busyDetachedMs,
    );
    let culled = 0;
    for (const s of idle) {
      await this.end(
        s,
        `The kernel was shut down after ${minutes(this.opts.idleMs)} min idle; run a cell to start a new one.`,
      );
      this.log.info({ userId: s.userId, notebookId: s.notebookId }, 'idle live kernel culled');
      this.emit('culled', s);
      culled += 1;
    }
    for (const s of busy) {
      // Interrupt first, so a kernel that stops cleanly goes back to the pool to be restarted (not killed).
      await s.interrupt();
      await s.settled(this.opts.interruptGraceMs);
      if (s.clientCount > 0 || this.sessions.get(sessionKey(s.userId, s.notebookId)) !== s) continue; // a tab came back
      await this.end(
        s,
        `The kernel was still running ${minutes(this.opts.busyDetachedMs)} min after its last tab closed; it was interrupted and shut down.`,
      );
      this.log.info(
        { userId: s.userId, notebookId: s.notebookId },
        'busy live kernel without tabs interrupted and culled',
      );
      this.emit('culled', s);
      culled += 1;
    }
    return culled;
  }

  /** Graceful shutdown: every session's kernel goes back to the pool. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.sessions.values()].map((s) => this.end(s, 'The server is shutting down.')));
  }

  /**
   * The kernel caps: null when `session` may take a kernel (after evicting the user's least recently used unused
   * kernel if a cap is reached; see the class comment), else the 'overloaded' error to show its tabs.
   */
  private admit(session: KernelSession): DomainError | null {
    for (;;) {
      const holding = [...this.sessions.values()].filter((s) => s !== session && s.hasKernel);
      const mine = holding.filter((s) => s.userId === session.userId);
      const perUser = mine.length >= this.opts.maxKernelsPerUser;
      const server = holding.length >= this.opts.maxLiveKernels;
      if (!perUser && !server) return null;
      // Idle with no tab: nothing running, queued or being acquired (`isIdle`), and a kernel to give back.
      const victim = mine.filter((s) => s.isIdle).sort((a, b) => a.lastActivity - b.lastActivity)[0];
      if (!victim) return perUser ? this.perUserRefusal(mine.length) : this.serverRefusal();
      this.log.info(
        {
          userId: victim.userId,
          notebookId: victim.notebookId,
          for: session.notebookId,
          cap: perUser ? 'perUser' : 'server',
        },
        'kernel cap reached: shutting down the least recently used kernel without tabs',
      );
      void this.end(victim, 'The kernel was shut down to make room for another notebook (kernel limit reached).');
      this.evicted.set(sessionKey(victim.userId, victim.notebookId), this.opts.now());
      if (this.evicted.size > 10_000) this.evicted.delete(this.evicted.keys().next().value!);
      this.emit('evicted', victim);
    }
  }

  private perUserRefusal(mine: number): DomainError {
    const what =
      mine === 1
        ? '1 notebook with a running kernel, open in a tab or running cells; shut it down'
        : `${mine} notebooks with running kernels, each open in a tab or running cells; shut one down`;
    return new DomainError('overloaded', `You have ${what} in Running kernels and run a cell again.`, {
      limit: 'perUser',
      max: this.opts.maxKernelsPerUser,
      panel: RUNNING_KERNELS_PATH,
    });
  }

  private serverRefusal(): DomainError {
    return new DomainError(
      'overloaded',
      `The server is running its maximum of ${this.opts.maxLiveKernels} live kernels; try again in a few minutes.`,
      { limit: 'server', max: this.opts.maxLiveKernels, retryAfterSeconds: 60, panel: RUNNING_KERNELS_PATH },
    );
  }

  private async end(session: KernelSession, message: string): Promise<void> {
    this.forget(session);
    await session.close(message);
  }

  private forget(session: KernelSession): void {
    const key = sessionKey(session.userId, session.notebookId);
    if (this.sessions.get(key) === session) this.sessions.delete(key);
  }
}

const info = (s: KernelSession): KernelSessionInfo => ({
  id: s.id,
  userId: s.userId,
  notebookId: s.notebookId,
  kernelId: s.kernelId,
  status: s.currentStatus,
  clients: s.clientCount,
  startedAt: s.kernelStartedAt === null ? null : new Date(s.kernelStartedAt).toISOString(),
  lastActivity: new Date(s.lastActivity).toISOString(),
});

const sessionKey = (userId: string, notebookId: string) => `${userId}\u0000${notebookId}`;
const minutes = (ms: number) => Math.round(ms / 60_000) || '<1';

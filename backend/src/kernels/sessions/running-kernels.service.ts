import type { Principal } from '../../contracts/principal';
import type { KernelSessionInfo, KernelSessionManager } from './kernel-session-manager';

/** One row of the Running kernels panel (GET /api/kernels). */
export interface RunningKernel {
  /** The live session's id: stable across restarts (DELETE /api/kernels/:id). */
  id: string;
  notebookId: string;
  /** Null when the notebook could not be read (deleted meanwhile). */
  notebookName: string | null;
  userId: string;
  /** Who the kernel belongs to (name, else email); null if unknown. Admins see other users' kernels. */
  userName: string | null;
  kernelId: string | null;
  /** starting | idle | busy | restarting (a kernel being handed over shows `starting`). */
  executionState: string;
  /** Browser tabs attached now. */
  connections: number;
  startedAt: string | null;
  lastActivity: string;
  /** RSS of the kernel process tree in bytes (embedded Jupyter Server on Linux); null when unknown. */
  memoryBytes: number | null;
}

export interface RunningKernelsDeps {
  sessions: Pick<KernelSessionManager, 'listFor' | 'shutdownFor' | 'shutdownAllFor'>;
  /** A notebook's name, or null (adapters from compose: the store's notebooks and users). */
  notebookName: (notebookId: string) => Promise<string | null>;
  userName: (userId: string) => Promise<string | null>;
  /** Memory of a kernel (kernel-memory.ts); default unknown. */
  memoryOf?: (kernelId: string) => number | null;
}

/**
 * The Running kernels panel's service: what `who` may see and stop of the live kernel sessions, with names and
 * memory. The rule (in KernelSessionManager): users see and stop their own sessions; admins everyone's.
 */
export class RunningKernelsService {
  constructor(private readonly deps: RunningKernelsDeps) {}

  async list(who: Principal): Promise<RunningKernel[]> {
    const rows = this.deps.sessions.listFor(who);
    const names = new Map<string, Promise<string | null>>();
    const users = new Map<string, Promise<string | null>>();
    const once = (
      cache: Map<string, Promise<string | null>>,
      id: string,
      f: (id: string) => Promise<string | null>,
    ) => {
      let p = cache.get(id);
      if (!p) cache.set(id, (p = f(id).catch(() => null)));
      return p;
    };
    const out = await Promise.all(
      rows.map(async (s: KernelSessionInfo) => ({
        id: s.id,
        notebookId: s.notebookId,
        notebookName: await once(names, s.notebookId, this.deps.notebookName),
        userId: s.userId,
        userName: await once(users, s.userId, this.deps.userName),
        kernelId: s.kernelId,
        executionState: s.kernelId === null ? 'starting' : s.status,
        connections: s.clients,
        startedAt: s.startedAt,
        lastActivity: s.lastActivity,
        memoryBytes: s.kernelId === null ? null : (this.deps.memoryOf?.(s.kernelId) ?? null),
      })),
    );
    // Most recently used first, as JupyterLab's panel.
    return out.sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
  }

  shutdown(who: Principal, sessionId: string): Promise<void> {
    return this.deps.sessions.shutdownFor(who, sessionId);
  }

  shutdownAll(who: Principal): Promise<number> {
    return this.deps.sessions.shutdownAllFor(who);
  }
}

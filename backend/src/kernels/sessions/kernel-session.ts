import { randomUUID } from 'node:crypto';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { isDomainError, type DomainError } from '../../errors';
import type { Logger } from '../../logger';
import type { Output } from '../../contracts/nbformat';
import { executeCode, type OutputModel } from '../executor';
import type { PooledKernel } from '../pooled-kernel';
import { TimeoutError, withTimeout } from '../../util/timeout';
import { CellOutputs } from './cell-outputs';
import { requestCompletion, requestInspection } from './introspection';
import { isDeathStatus, mapStatus } from './kernel-status';
import type {
  ExecuteRequest,
  KernelSource,
  KernelWorkspace,
  SessionClient,
  SessionEvent,
  SessionStatus,
} from './session-events';

export interface KernelSessionOptions {
  userId: string;
  notebookId: string;
  kernels: KernelSource;
  logger: Logger;
  /** How long to wait for a kernel from the pool. */
  acquireTimeoutMs: number;
  /** Per-cell output cap. */
  maxOutputBytes: number;
  /** Outputs of a cell are sent at most this often while it runs (the final state is always sent). */
  outputThrottleMs: number;
  /** Time limit for complete/inspect replies. */
  requestTimeoutMs: number;
  /** Time allowed for a restart asked for by a tab; past it the kernel is replaced by a fresh one (tabs are told). */
  restartTimeoutMs: number;
  /** Asked before a kernel is acquired (kernel caps): a refusal is reported and the session stays without one. */
  admit?: (session: KernelSession) => DomainError | null;
  /** The kernel's working directory with the notebook's files. Default none (the kernel stays in the server's root). */
  workspace?: KernelWorkspace;
  now: () => number;
}

/**
 * One user's live kernel for one notebook, shared by that user's tabs (a refresh reconnects to it).
 * Executions are queued and run one at a time; as in JupyterLab, an error (or an interrupt) aborts the rest of
 * its request and everything queued behind it. A kernel that dies is given back to the pool to be replaced and
 * the session reports `dead`; `execute` or `restart` then takes a fresh kernel.
 */
export class KernelSession {
  /** Stable for the session's life (across restarts and kernel replacements): the Running kernels panel's key. */
  readonly id = randomUUID();
  readonly userId: string;
  readonly notebookId: string;
  lastActivity: number;
  /** When the current kernel was started or last restarted (ms since the epoch); null without a kernel. */
  kernelStartedAt: number | null = null;
  private readonly opts: KernelSessionOptions;
  private readonly log: Logger;
  private readonly clients = new Set<SessionClient>();
  private kernel: PooledKernel | null = null;
  private acquiring: Promise<PooledKernel | null> | null = null;
  private status: SessionStatus = 'none';
  /** The running cell's input() / getpass(), waiting for a tab's answer. */
  private pendingInput: PendingInput | null = null;
  private queue: ExecuteRequest[] = [];
  private draining = false;
  /** Bumped by interrupt/restart/death/shutdown: the request running under an older epoch aborts its rest. */
  private epoch = 0;
  private restarting = false;
  /** Set while the kernel is moved into its working directory after a restart: cells wait for it. */
  private entering: Promise<void> | null = null;
  /** Kernels this session gave up on (a restart that hung): a cell ending on them was aborted, not failed. */
  private readonly abandoned = new WeakSet<PooledKernel>();
  /** Settles when the executions running now have ended. */
  private drained: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly outputs: CellOutputs;

  constructor(opts: KernelSessionOptions) {
    this.opts = opts;
    this.userId = opts.userId;
    this.notebookId = opts.notebookId;
    this.lastActivity = opts.now();
    this.log = opts.logger.child({ component: 'kernel-session', userId: opts.userId, notebookId: opts.notebookId });
    this.outputs = new CellOutputs({
      maxOutputBytes: opts.maxOutputBytes,
      throttleMs: opts.outputThrottleMs,
      now: opts.now,
      send: (cellId, outputs) => this.broadcast({ type: 'outputs', cellId, outputs }),
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }
  get kernelId(): string | null {
    return this.kernel?.id ?? null;
  }
  get currentStatus(): SessionStatus {
    return this.status;
  }
  /** No browser attached, nothing running or queued. */
  get isIdle(): boolean {
    return this.clients.size === 0 && !this.isRunning && !this.acquiring;
  }
  /** A cell is running or queued. */
  get isRunning(): boolean {
    return this.draining || this.queue.length > 0;
  }
  /** Culled or ended: a tab still holding it should open a new session. */
  get isClosed(): boolean {
    return this.closed;
  }
  get hasKernel(): boolean {
    return this.kernel !== null || this.acquiring !== null;
  }

  /** A browser tab joins: it gets the current status at once; a session without a kernel starts one. */
  attach(client: SessionClient): void {
    this.clients.add(client);
    this.touch();
    const before = this.status;
    if (!this.kernel && !this.acquiring) void this.ensureKernel(); // broadcasts 'starting' (to this tab too)
    if (this.status === before) client.send({ type: 'status', status: this.status });
    const input = this.pendingInput;
    if (input)
      client.send({ type: 'input_request', cellId: input.cellId, prompt: input.prompt, password: input.password });
  }

  detach(client: SessionClient): void {
    this.clients.delete(client);
    this.touch();
  }

  execute(request: ExecuteRequest): void {
    this.touch();
    this.queue.push(request);
    void this.drain();
  }

  /** The answer to the pending input() (the first tab to answer wins; the others' boxes close). */
  answerInput(value: string): void {
    this.touch();
    const input = this.pendingInput;
    if (!input) return;
    this.clearInput();
    input.model.add({
      output_type: 'stream',
      name: 'stdout',
      text: `${input.prompt}${input.password ? '········' : value}\n`,
    });
    input.reply(value);
  }

  async interrupt(): Promise<void> {
    this.touch();
    this.abortQueued();
    this.clearInput();
    if (!this.kernel) return;
    this.epoch += 1;
    try {
      await this.kernel.connection.interrupt();
    } catch (e) {
      this.broadcast({ type: 'error', message: `Could not interrupt the kernel: ${(e as Error).message}` });
    }
  }

  /**
   * Restarts the kernel in place (all variables are lost); a session without a kernel takes a fresh one. A restart
   * that fails or takes longer than `restartTimeoutMs` (a kernel that ignores the shutdown request and SIGTERM
   * costs Jupyter its whole shutdown wait, then a SIGKILL) replaces the kernel by a fresh one, and the tabs are told.
   */
  async restart(): Promise<void> {
    this.touch();
    this.abortQueued();
    this.clearInput();
    this.epoch += 1;
    const kernel = this.kernel;
    if (!kernel) {
      await this.ensureKernel();
      return;
    }
    this.restarting = true;
    this.setStatus('restarting');
    const restarting = kernel.connection.restart();
    let failure: unknown = null;
    try {
      await withTimeout(restarting, this.opts.restartTimeoutMs, 'kernel restart');
    } catch (e) {
      failure = e;
    } finally {
      this.restarting = false;
    }
    if (this.kernel !== kernel) return; // shut down, culled or dead meanwhile
    if (!failure) {
      this.outputs.reset();
      this.kernelStartedAt = this.opts.now();
      await this.enterWorkspace(kernel);
      this.setStatus(mapStatus(kernel.connection.status) ?? 'idle');
      return;
    }
    this.log.warn({ err: failure, kernelId: kernel.id }, 'kernel restart failed; replacing the kernel');
    const why =
      failure instanceof TimeoutError
        ? `The kernel did not restart within ${formatSeconds(this.opts.restartTimeoutMs)}`
        : 'The kernel could not be restarted';
    this.abandoned.add(kernel);
    // Jupyter is still restarting it: shut it down once that has settled (bounded), not in the middle of it.
    this.releaseKernel(kernel, { discard: true, after: restarting });
    this.broadcast({ type: 'error', message: `${why}; it was replaced by a fresh one (its variables are lost).` });
    await this.ensureKernel();
  }

  /** Gives the kernel back to the pool (the session stays, without a kernel, until its tabs go). */
  async shutdownKernel(message?: string): Promise<void> {
    this.touch();
    this.abortQueued();
    this.epoch += 1;
    const acquiring = this.acquiring;
    if (acquiring) await acquiring;
    if (this.kernel) this.dropKernel(this.kernel, message, false);
  }

  /** Resolves once what is running now has ended, or after `ms`. */
  async settled(ms: number): Promise<void> {
    await withTimeout(this.drained, ms, 'running cells').catch(() => undefined);
  }

  /** Ends the session for good (cull, notebook deleted, server shutdown). */
  async close(message?: string): Promise<void> {
    this.closed = true;
    await this.shutdownKernel(message);
  }

  /** Completion for the tab that asked (only that tab gets the reply, or an error with the requestId). */
  async complete(
    client: SessionClient,
    request: { requestId: string; code: string; cursorPos: number },
  ): Promise<void> {
    this.touch();
    this.sendTo(client, await requestCompletion(this.usableConnection(), request, this.opts.requestTimeoutMs));
  }

  /** Inspection (hover) for the tab that asked. */
  async inspect(
    client: SessionClient,
    request: { requestId: string; code: string; cursorPos: number; detailLevel?: 0 | 1 },
  ): Promise<void> {
    this.touch();
    this.sendTo(client, await requestInspection(this.usableConnection(), request, this.opts.requestTimeoutMs));
  }

  // --- internals -------------------------------------------------------------------------------------------

  private drain(): Promise<void> {
    if (this.draining) return this.drained;
    this.draining = true;
    this.drained = (async () => {
      try {
        for (let req = this.queue.shift(); req; req = this.queue.shift()) await this.run(req);
      } finally {
        this.draining = false;
        this.touch();
      }
    })();
    return this.drained;
  }

  private async run(req: ExecuteRequest): Promise<void> {
    const epoch = this.epoch;
    const total = req.cells.length;
    let done = 0;
    const kernel = await this.ensureKernel();
    if (this.entering) await this.entering;
    for (const cell of req.cells) {
      if (!kernel || this.kernel !== kernel || this.epoch !== epoch || this.closed) {
        this.abortCell(req.requestId, cell.cellId);
        continue;
      }
      const status = await this.runCell(kernel, req.requestId, cell.cellId, cell.code);
      done += 1;
      this.broadcast({ type: 'progress', requestId: req.requestId, done, total });
      if (status !== 'ok') {
        this.epoch += 1; // abort the rest of this request …
        this.abortQueued(); // … and what was queued behind it, as JupyterLab does
      }
    }
    // Cells aborted after an error count as handled: the request has ended, so its progress bar must go.
    if (done < total) this.broadcast({ type: 'progress', requestId: req.requestId, done: total, total });
  }

  private async runCell(
    kernel: PooledKernel,
    requestId: string,
    cellId: string,
    code: string,
  ): Promise<'ok' | 'error' | 'aborted'> {
    const model = this.outputs.begin(cellId);
    this.broadcast({ type: 'outputs', cellId, outputs: [] });
    if (code.trim() === '') {
      const now = new Date().toISOString();
      this.broadcast({
        type: 'cell_done',
        requestId,
        cellId,
        status: 'ok',
        executionCount: null,
        startedAt: now,
        endedAt: now,
      });
      return 'ok';
    }
    const r = await executeCode(kernel, code, {
      model,
      onStarted: ({ executionCount, startedAt }) =>
        this.broadcast({ type: 'cell_started', requestId, cellId, executionCount, startedAt }),
      onInputRequest: ({ prompt, password }, reply) => {
        this.pendingInput = { cellId, prompt, password, reply, model };
        this.broadcast({ type: 'input_request', cellId, prompt, password });
      },
    });
    if (this.pendingInput?.model === model) this.clearInput();
    let status: 'ok' | 'error' | 'aborted' = r.status === 'ok' ? 'ok' : r.status === 'aborted' ? 'aborted' : 'error';
    if (r.status === 'died') {
      if (this.restarting || this.abandoned.has(kernel)) status = 'aborted';
      else {
        // As nbclient's DeadKernelError: the cell itself says what happened, not only the banner.
        model.add(structuredClone(DIED_OUTPUT));
        this.outputs.flush(cellId); // before dropKernel forgets the pending sends
        this.dropKernel(
          kernel,
          'The kernel died while running this cell (its variables are lost). Restart it to continue.',
        );
      }
    }
    this.outputs.flush(cellId);
    this.broadcast({
      type: 'cell_done',
      requestId,
      cellId,
      status,
      executionCount: r.executionCount,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
    });
    return status;
  }

  private abortCell(requestId: string, cellId: string): void {
    this.broadcast({
      type: 'cell_done',
      requestId,
      cellId,
      status: 'aborted',
      executionCount: null,
      startedAt: null,
      endedAt: null,
    });
  }

  private abortQueued(): void {
    for (const req of this.queue.splice(0)) {
      for (const c of req.cells) this.abortCell(req.requestId, c.cellId);
      const total = req.cells.length;
      this.broadcast({ type: 'progress', requestId: req.requestId, done: total, total });
    }
  }

  private clearInput(): void {
    const input = this.pendingInput;
    if (!input) return;
    this.pendingInput = null;
    this.broadcast({ type: 'input_done', cellId: input.cellId });
  }

  /** The session's kernel, acquiring one from the pool when there is none. Null when none could be had. */
  private ensureKernel(): Promise<PooledKernel | null> {
    if (this.kernel) return Promise.resolve(this.kernel);
    if (this.acquiring) return this.acquiring;
    if (this.closed) return Promise.resolve(null);
    const refusal = this.opts.admit?.(this);
    if (refusal) {
      this.setStatus('none');
      this.broadcast({ type: 'error', code: refusal.code, message: refusal.message });
      return Promise.resolve(null);
    }
    this.setStatus('starting');
    this.acquiring = this.opts.kernels.acquire(this.opts.acquireTimeoutMs).then(
      async (k) => {
        // Its folder first, so the first cell already runs among the notebook's files.
        if (!this.closed) await this.attachWorkspace(k);
        this.acquiring = null;
        if (this.closed) {
          this.opts.workspace?.detach(k);
          this.opts.kernels.release(k);
          return null;
        }
        this.kernel = k;
        this.kernelStartedAt = this.opts.now();
        this.outputs.reset();
        k.connection.statusChanged.connect(this.onKernelStatus, this);
        this.setStatus(mapStatus(k.connection.status) ?? 'idle');
        this.log.info({ kernelId: k.id }, 'live kernel attached');
        return k;
      },
      (e: unknown) => {
        this.acquiring = null;
        this.log.warn({ err: e }, 'no kernel for a live session');
        this.setStatus('none');
        const code = isDomainError(e) ? e.code : undefined;
        this.broadcast({ type: 'error', code, message: `No kernel could be started: ${(e as Error).message}` });
        return null;
      },
    );
    return this.acquiring;
  }

  /** Makes the kernel's working directory; a failure is told to the tabs (the kernel is usable, without its files). */
  private async attachWorkspace(kernel: PooledKernel): Promise<void> {
    try {
      await this.opts.workspace?.attach(kernel);
    } catch (e) {
      this.log.warn({ err: e, kernelId: kernel.id }, 'could not prepare the working directory of a live kernel');
      this.broadcast({
        type: 'error',
        message: `The notebook's files could not be put in the kernel's working directory: ${(e as Error).message}`,
      });
    }
  }

  /** After a restart: back into the working directory, before any cell runs. */
  private async enterWorkspace(kernel: PooledKernel): Promise<void> {
    const workspace = this.opts.workspace;
    if (!workspace) return;
    const entering = workspace.restarted(kernel).catch((e: unknown) => {
      this.log.warn({ err: e, kernelId: kernel.id }, 'could not move a restarted kernel into its working directory');
      this.broadcast({
        type: 'error',
        message: `The restarted kernel is not in the notebook's folder: ${(e as Error).message}`,
      });
    });
    this.entering = entering;
    try {
      await entering;
    } finally {
      if (this.entering === entering) this.entering = null;
    }
  }

  private onKernelStatus(conn: Kernel.IKernelConnection, status: KernelMessage.Status): void {
    const kernel = this.kernel;
    if (!kernel || kernel.connection !== conn) return;
    if (isDeathStatus(status) && !this.restarting) {
      this.dropKernel(kernel, 'The kernel died (its variables are lost). Restart it to continue.');
      return;
    }
    const mapped = mapStatus(status);
    if (mapped && !(this.restarting && mapped !== 'restarting')) this.setStatus(mapped);
  }

  /** Forget the kernel and give it back to the pool (discarded when it died), then report `dead`. */
  private dropKernel(kernel: PooledKernel, message?: string, died = true): void {
    if (this.kernel !== kernel) return;
    this.releaseKernel(kernel, { discard: died || kernel.connection.status === 'busy' || kernel.died });
    this.setStatus(died ? 'dead' : 'none');
    if (message) this.broadcast({ type: 'error', message });
  }

  /** Forget the kernel and give it back to the pool; with `after`, once that has settled (at most RESTART_SETTLE_MS). */
  private releaseKernel(kernel: PooledKernel, opts: { discard: boolean; after?: Promise<unknown> }): void {
    kernel.connection.statusChanged.disconnect(this.onKernelStatus, this);
    this.kernel = null;
    this.kernelStartedAt = null;
    this.clearInput();
    this.epoch += 1;
    this.opts.workspace?.detach(kernel);
    // The pool lets services' auto-restart reconnect settle before it disposes a dead kernel's connection.
    const release = () => this.opts.kernels.release(kernel, { discard: opts.discard });
    if (opts.after) void withTimeout(opts.after, RESTART_SETTLE_MS, 'abandoned restart').then(release, release);
    else release();
    this.outputs.reset();
    this.log.info({ kernelId: kernel.id, discard: opts.discard }, 'live kernel released');
  }

  private setStatus(status: SessionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.broadcast({ type: 'status', status });
  }

  private broadcast(event: SessionEvent): void {
    for (const c of this.clients) this.sendTo(c, event);
  }

  private sendTo(client: SessionClient, event: SessionEvent): void {
    try {
      client.send(event);
    } catch (e) {
      this.log.debug({ err: e }, 'could not send to a client');
    }
  }

  private usableConnection(): Kernel.IKernelConnection | null {
    const k = this.kernel;
    return k && !k.connection.isDisposed && k.connection.status !== 'dead' ? k.connection : null;
  }

  private touch(): void {
    this.lastActivity = this.opts.now();
  }
}

interface PendingInput {
  cellId: string;
  prompt: string;
  password: boolean;
  reply: (value: string) => void;
  /** The asking cell's outputs: the answer is echoed there (masked for a password), as the classic Notebook does. */
  model: OutputModel;
}

/** The output of a cell whose kernel died under it (nbclient raises DeadKernelError with the same words). */
const DIED_OUTPUT: Output = {
  output_type: 'error',
  ename: 'DeadKernelError',
  evalue: 'The kernel died while running this cell; its variables are lost. Restart the kernel to continue.',
  traceback: [
    'DeadKernelError: The kernel died while running this cell; its variables are lost. Restart the kernel to continue.',
  ],
};

/** How long an abandoned restart may go on before its kernel is shut down anyway (Jupyter's own wait is ~5 s). */
const RESTART_SETTLE_MS = 60_000;

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

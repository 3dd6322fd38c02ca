import { KernelAPI, type Kernel, type KernelMessage } from '@jupyterlab/services';
import { cellTags, sourceText, type CodeCell, type Notebook, type Output } from '../contracts/nbformat';
import type { CellResult } from '../contracts/runs';
import { kernelStateOf, watchLiveness } from './liveness';
import { DEFAULT_MAX_RUN_OUTPUT_BYTES, DisplayIdRegistry, OutputBudget, OutputModel } from './output-model';
import { drainKernelInfo, type PooledKernel } from './pooled-kernel';
import { settleWithin, withTimeout } from '../util/timeout';

/**
 * Runs one piece of code on a kernel and turns its IOPub messages into nbformat outputs (OutputModel).
 * Shared by headless runs (executeNotebook) and live editing sessions.
 *
 * stdin is disabled (`allow_stdin: false`: `input()` raises StdinNotImplementedError at once) unless the caller
 * answers input requests (`onInputRequest`, live editing).
 * A timeout or an abort interrupts the kernel; if it is still busy after a grace period it is restarted.
 * A kernel that dies under the code (os._exit, segfault, OOM kill) ends with status 'died' and the
 * PooledKernel is flagged so the pool replaces it.
 */
/** How long the kernel may take to answer the kernel_info that confirms a lost execution. */
const LOST_CONFIRM_MS = 10_000;
/** A restart after an ignored interrupt that takes longer than this counts as a dead kernel. */
const RESTART_TIMEOUT_MS = 20_000;

export type ExecuteStatus = 'ok' | 'error' | 'aborted' | 'timed_out' | 'cancelled' | 'died';

export interface ExecuteCodeOptions {
  /** The cell's output model; default: a new one built from the options below. */
  model?: OutputModel;
  /** Display ids shared with the other cells of the run/session. Default: private to this call. */
  registry?: DisplayIdRegistry;
  /** Output cap for this cell. Default 20 MB (OutputModel default). */
  maxOutputBytes?: number;
  /** Called with the full current outputs after every change (not throttled: throttle on your side). */
  onOutputs?: (outputs: Output[]) => void;
  /** Called when the kernel starts the code (execute_input), with its execution count. */
  onStarted?: (info: { executionCount: number | null; startedAt: string }) => void;
  /** Per-execution time limit; 0 or undefined = none. */
  timeoutMs?: number;
  /** After interrupting, how long to wait before restarting the kernel. Default 5 s. */
  interruptGraceMs?: number;
  /** Abort = cancel: interrupt (then restart if needed); status 'cancelled'. */
  signal?: AbortSignal;
  /** Default false. */
  silent?: boolean;
  /** Default true (execution counts advance). */
  storeHistory?: boolean;
  /**
   * Enables stdin (`input()`, `getpass()`): called on each `input_request` with a `reply` that sends the answer.
   * Default none: stdin disabled, as headless runs need (nobody could answer).
   */
  onInputRequest?: (request: { prompt: string; password: boolean }, reply: (value: string) => void) => void;
}

export interface ExecuteCodeResult {
  status: ExecuteStatus;
  executionCount: number | null;
  outputs: Output[];
  startedAt: string;
  endedAt: string;
  /** For status 'error': the exception raised. */
  error?: { ename: string; evalue: string };
  /** True when the kernel had to be restarted (its state is gone). */
  restarted: boolean;
  /** For status 'died': the Jupyter Server itself was unreachable (died, hung or restarted), kernel and all. */
  serverUnreachable?: boolean;
}

type KernelLike = PooledKernel | Kernel.IKernelConnection;

const connectionOf = (k: KernelLike): Kernel.IKernelConnection => ('connection' in k ? k.connection : k);

export async function executeCode(
  kernel: KernelLike,
  code: string,
  opts: ExecuteCodeOptions = {},
): Promise<ExecuteCodeResult> {
  const conn = connectionOf(kernel);
  const onOutputs = opts.onOutputs;
  const model =
    opts.model ??
    new OutputModel({
      registry: opts.registry,
      maxBytes: opts.maxOutputBytes,
      onChange: onOutputs ? (m) => onOutputs(m.outputs) : undefined,
    });
  const startedAt = new Date().toISOString();
  let executionCount: number | null = null;
  let restarted = false;

  if (conn.isDisposed || conn.status === 'dead') {
    markDied(kernel);
    return { status: 'died', executionCount, outputs: model.outputs, startedAt, endedAt: startedAt, restarted };
  }
  if (opts.signal?.aborted) {
    return { status: 'cancelled', executionCount, outputs: model.outputs, startedAt, endedAt: startedAt, restarted };
  }

  const future = conn.requestExecute(
    {
      code,
      silent: opts.silent ?? false,
      store_history: opts.storeHistory ?? true,
      allow_stdin: opts.onInputRequest !== undefined,
      stop_on_error: false,
    },
    true,
  );
  const onInputRequest = opts.onInputRequest;
  if (onInputRequest) {
    future.onStdin = (msg) => {
      if (msg.header.msg_type !== 'input_request') return;
      const content = msg.content as { prompt?: unknown; password?: unknown };
      onInputRequest({ prompt: String(content.prompt ?? ''), password: content.password === true }, (value) => {
        if (!future.isDisposed)
          future.sendInputReply({ status: 'ok', value }, msg.header as KernelMessage.IHeader<'input_request'>);
      });
    };
  }
  let replied = false;
  future.onReply = () => {
    replied = true; // `done` follows once IOPub has gone idle too
  };
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === 'execute_input') {
      const count = (msg.content as { execution_count?: unknown }).execution_count;
      executionCount = typeof count === 'number' ? count : null;
      opts.onStarted?.({ executionCount, startedAt });
      return;
    }
    model.handle(msg);
  };

  // @jupyterlab/services routes `update_display_data` only to the (usually finished) future that created
  // the display and never to the current one; read those from the connection's IOPub signal instead.
  const msgId = future.msg.header.msg_id;
  const onAnyIOPub = (_: Kernel.IKernelConnection, msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === 'update_display_data' && (msg.parent_header as { msg_id?: string }).msg_id === msgId)
      model.handle(msg);
  };
  conn.iopubMessage.connect(onAnyIOPub);

  // Everything that can end the execution, as one settled outcome.
  type Outcome =
    | { kind: 'reply'; reply: KernelMessage.IExecuteReplyMsg }
    | { kind: 'died'; serverUnreachable?: boolean }
    | { kind: 'noreply' }
    | { kind: 'limit'; why: 'timed_out' | 'cancelled' };
  const cleanups: Array<() => void> = [() => conn.iopubMessage.disconnect(onAnyIOPub)];
  const outcome = await new Promise<Outcome>((resolve) => {
    future.done.then(
      (reply) => resolve({ kind: 'reply', reply }),
      () => resolve({ kind: 'died' }), // the future is disposed when the kernel restarts or dies
    );
    const onStatus = (_: Kernel.IKernelConnection, status: KernelMessage.Status) => {
      if (status === 'autorestarting' || status === 'dead') resolve({ kind: 'died' });
    };
    conn.statusChanged.connect(onStatus);
    cleanups.push(() => conn.statusChanged.disconnect(onStatus));
    // In case services misses the server's restart notice of a kernel that died under the code.
    const stopWatchdog = watchLiveness({
      probe: async () => kernelStateOf(await KernelAPI.getKernelModel(conn.id, conn.serverSettings)),
      onLost: (why) => {
        if (why !== 'idle') return resolve({ kind: 'died', serverUnreachable: why === 'unreachable' });
        // "Idle on the server, no reply here": ask the kernel itself. No answer: it is gone. An answer (shell replies
        // come in order) while the execute reply has still not arrived: the kernel is alive but will never answer
        // this execution — ipykernel swallows a KeyboardInterrupt that lands outside the user's code ("KeyboardInterrupt
        // caught in kernel": an interrupt right as a cell starts or ends) and sends no reply. The kernel and its
        // variables are fine; only this execution ended.
        void withTimeout(conn.requestKernelInfo(), LOST_CONFIRM_MS, 'kernel_info').then(
          () => {
            if (!replied) resolve({ kind: 'noreply' });
          },
          () => resolve({ kind: 'died' }),
        );
      },
      reconnecting: () => conn.connectionStatus === 'connecting', // the socket dropped: server gone or restarted
    });
    cleanups.push(stopWatchdog);
    if (opts.timeoutMs && opts.timeoutMs > 0) {
      const timer = setTimeout(() => resolve({ kind: 'limit', why: 'timed_out' }), opts.timeoutMs);
      cleanups.push(() => clearTimeout(timer));
    }
    if (opts.signal) {
      const onAbort = () => resolve({ kind: 'limit', why: 'cancelled' });
      if (opts.signal.aborted) onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => opts.signal?.removeEventListener('abort', onAbort));
    }
  });
  cleanups.forEach((c) => c());

  const end = (status: ExecuteStatus, error?: { ename: string; evalue: string }): ExecuteCodeResult => ({
    status,
    executionCount,
    outputs: model.outputs,
    startedAt,
    endedAt: new Date().toISOString(),
    error,
    restarted,
  });

  if (outcome.kind === 'reply') {
    const content = outcome.reply.content as {
      status: string;
      execution_count?: number;
      ename?: string;
      evalue?: string;
    };
    if (typeof content.execution_count === 'number' && !opts.silent) executionCount = content.execution_count;
    if (content.status === 'ok') return end('ok');
    if (content.status === 'error') return end('error', { ename: content.ename ?? '', evalue: content.evalue ?? '' });
    return end('aborted');
  }
  if (outcome.kind === 'noreply') {
    future.dispose();
    model.add(structuredClone(NO_REPLY_OUTPUT));
    return end('error', { ename: NO_REPLY_OUTPUT.ename, evalue: NO_REPLY_OUTPUT.evalue });
  }
  if (outcome.kind === 'died') {
    markDied(kernel);
    future.dispose();
    return outcome.serverUnreachable ? { ...end('died'), serverUnreachable: true } : end('died');
  }

  // Time limit or cancellation: interrupt, give it a grace period, then restart.
  const stopped = await interruptOrRestart(conn, future, opts.interruptGraceMs ?? 5_000);
  if (stopped === 'restarted') restarted = true;
  if (stopped === 'died') markDied(kernel);
  return end(outcome.why);
}

async function interruptOrRestart(
  conn: Kernel.IKernelConnection,
  future: Kernel.IShellFuture<KernelMessage.IExecuteRequestMsg, KernelMessage.IExecuteReplyMsg>,
  graceMs: number,
): Promise<'interrupted' | 'restarted' | 'died'> {
  const settled = future.done.then(
    () => true,
    () => false,
  );
  try {
    await conn.interrupt();
  } catch {
    // fall through to the restart
  }
  const grace = await settleWithin(settled, graceMs);
  const done = grace.settled ? grace.value : 'grace';
  if (done === true) return 'interrupted';
  future.dispose();
  if (done === false && (conn.isDisposed || conn.status === 'dead')) return 'died';
  try {
    await drainKernelInfo(conn);
    await withTimeout(conn.restart(), RESTART_TIMEOUT_MS, 'kernel restart timed out');
    return 'restarted';
  } catch {
    return 'died'; // flagged: the pool replaces it
  }
}

function markDied(kernel: KernelLike): void {
  if ('connection' in kernel) kernel.died = true;
}

export { DisplayIdRegistry, OutputBudget, OutputModel };

export interface ExecuteNotebookOptions {
  /** Per-cell time limit (config FOLIO_CELL_TIMEOUT_S). */
  cellTimeoutMs: number;
  /** Per-cell output cap (config FOLIO_MAX_OUTPUT_MB). */
  maxOutputBytes: number;
  /**
   * Cap on the outputs of all the cells together (config FOLIO_MAX_RUN_OUTPUT_MB). Past it a cell's further output
   * is dropped with a note, and later cells still run. Default 100 MB.
   */
  maxRunOutputBytes?: number;
  /** Called when a cell starts and when it ends (`cell` set), `done` of `total` code cells to run. */
  onProgress?: (p: { cellId: string; index: number; done: number; total: number; cell?: CellResult }) => void;
  signal?: AbortSignal;
  /** After interrupting a cell that ran out of time, how long before restarting the kernel. Default 5 s. */
  interruptGraceMs?: number;
}

export interface ExecuteNotebookResult {
  status: 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
  /** One entry per code cell, in order. */
  cells: CellResult[];
  /** A copy of the input with outputs and execution counts of the code cells filled in. */
  notebook: Notebook;
  error?: { code: 'cell_error' | 'kernel_died' | 'jupyter_unreachable' | 'timeout' | 'cancelled'; message: string };
}

/**
 * Run a notebook's code cells in order, papermill/nbclient style: outputs and execution counts reset
 * first; `skip-execution` cells and empty cells are not run; the first error stops the run unless the
 * cell is tagged `raises-exception`; markdown and raw cells are left untouched.
 */
export async function executeNotebook(
  kernel: KernelLike,
  notebook: Notebook,
  opts: ExecuteNotebookOptions,
): Promise<ExecuteNotebookResult> {
  const nb = structuredClone(notebook);
  const registry = new DisplayIdRegistry();
  const budget = new OutputBudget(opts.maxRunOutputBytes ?? DEFAULT_MAX_RUN_OUTPUT_BYTES);
  const codeCells = nb.cells
    .map((cell, index) => ({ cell, index }))
    .filter((c): c is { cell: CodeCell; index: number } => c.cell.cell_type === 'code');
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }
  const runnable = codeCells.filter(
    ({ cell }) => !cellTags(cell).includes('skip-execution') && sourceText(cell.source).trim() !== '',
  );
  const total = runnable.length;
  const results = new Map<string, CellResult>(
    codeCells.map(({ cell }) => [cell.id, { cellId: cell.id, executionCount: null, status: 'not_run', outputs: [] }]),
  );
  for (const { cell } of codeCells)
    if (!runnable.some((r) => r.cell === cell)) results.get(cell.id)!.status = 'skipped';

  let done = 0;
  let error: ExecuteNotebookResult['error'];
  let status: ExecuteNotebookResult['status'] = 'succeeded';
  for (const { cell, index } of runnable) {
    if (opts.signal?.aborted) {
      status = 'cancelled';
      error = { code: 'cancelled', message: 'The run was cancelled.' };
      break;
    }
    const n = index + 1;
    opts.onProgress?.({ cellId: cell.id, index, done, total });
    const model = new OutputModel({
      registry,
      maxBytes: opts.maxOutputBytes,
      budget,
      onChange: (m) => (cell.outputs = m.outputs),
    });
    const r = await executeCode(kernel, sourceText(cell.source), {
      model,
      timeoutMs: opts.cellTimeoutMs,
      interruptGraceMs: opts.interruptGraceMs,
      signal: opts.signal,
    });
    // Jupyter records nothing for the cell a kernel died under (nbclient raises DeadKernelError); Folio says so
    // in the executed notebook too, so the .ipynb explains itself when opened elsewhere.
    if (r.status === 'died') model.add(structuredClone(DEAD_KERNEL_OUTPUT));
    cell.outputs = model.outputs;
    cell.execution_count = r.executionCount;
    const result = results.get(cell.id)!;
    result.executionCount = r.executionCount;
    result.outputs = model.outputs;
    result.startedAt = r.startedAt;
    result.endedAt = r.endedAt;
    const neverStarted = r.status === 'cancelled' && r.executionCount === null && r.outputs.length === 0;
    result.status =
      r.status === 'ok' ? 'ok' : r.status === 'timed_out' ? 'timed_out' : neverStarted ? 'not_run' : 'error';
    done += 1;
    opts.onProgress?.({ cellId: cell.id, index, done, total, cell: result });

    if (r.status === 'ok') continue;
    if (r.status === 'error' && cellTags(cell).includes('raises-exception')) continue;
    if (r.status === 'error' || r.status === 'aborted') {
      status = 'failed';
      const what = r.error ? `${r.error.ename}: ${r.error.evalue}` : 'an error';
      error = { code: 'cell_error', message: `Cell ${n} raised ${what}` };
    } else if (r.status === 'died') {
      status = 'failed';
      error = r.serverUnreachable
        ? {
            code: 'jupyter_unreachable',
            message: `The Jupyter Server became unreachable while running cell ${n}; the kernel and its state are lost`,
          }
        : { code: 'kernel_died', message: `The kernel died while running cell ${n}` };
    } else if (r.status === 'timed_out') {
      status = 'timed_out';
      error = { code: 'timeout', message: `Cell ${n} did not finish within ${formatSeconds(opts.cellTimeoutMs)}` };
    } else {
      status = 'cancelled';
      error = { code: 'cancelled', message: `The run was cancelled while running cell ${n}` };
    }
    break;
  }
  // Outputs are shared with the live models (display updates may touch earlier cells): snapshot them.
  const cells = codeCells.map(({ cell }) => {
    const result = results.get(cell.id)!;
    return { ...result, outputs: structuredClone(cell.outputs) };
  });
  return { status, cells, notebook: structuredClone(nb), error };
}

/** Folio's error output for an execution the kernel (alive, idle) never answered: an interrupt it swallowed. */
export const NO_REPLY_OUTPUT = {
  output_type: 'error' as const,
  ename: 'KeyboardInterrupt',
  evalue: 'The kernel was interrupted before it could answer this cell; its variables are kept.',
  traceback: [
    'KeyboardInterrupt: The kernel was interrupted before it could answer this cell; its variables are kept.',
  ],
};

/** Folio's error output for the cell the kernel died under (see conformance/README.md). */
export const DEAD_KERNEL_OUTPUT: Output = {
  output_type: 'error',
  ename: 'DeadKernelError',
  evalue: 'The kernel died while running this cell; its variables are lost.',
  traceback: ['DeadKernelError: The kernel died while running this cell; its variables are lost.'],
};

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import { queryKeys } from '../../../lib/query-client';
import type { NotebookRecord } from './get-notebook';
import type { NotebookAction } from '../model/notebook-reducer';
import { KernelClient } from './kernel-client';
import { kernelSocketUrl, type KernelStatus, type ServerMessage } from './kernel-protocol';

export interface RunProgress {
  requestId: string;
  done: number;
  total: number;
}

/** A kernel problem to show: `code` is the server's domain error code ('overloaded' for the kernel caps). */
export interface KernelError {
  message: string;
  code?: string;
}

/** The running cell's input() / getpass() waiting for an answer. */
export interface InputRequest {
  cellId: string;
  prompt: string;
  password: boolean;
}

const ms = (iso: string | null | undefined, fallback = Date.now()) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? fallback : t;
};

/** The live kernel of an open notebook: status, run progress, and the commands the editor sends. */
export function useKernel(notebookId: string, dispatch: Dispatch<NotebookAction>) {
  const [status, setStatus] = useState<KernelStatus>('starting');
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [error, setError] = useState<KernelError | null>(null);
  const [input, setInput] = useState<InputRequest | null>(null);
  const client = useRef<KernelClient | null>(null);
  /** "Restart & run all": what to run once the restarted (or fresh) kernel is idle again. */
  const afterRestart = useRef<{ run: () => void; restarted: boolean } | null>(null);
  const queryClient = useQueryClient();

  useEffect(() => {
    const handleMessage = (m: ServerMessage) => {
      switch (m.type) {
        case 'cell_started':
          dispatch({
            type: 'cell-started',
            cellId: m.cellId,
            executionCount: m.executionCount,
            startedAt: ms(m.startedAt),
            own: client.current?.isOwnExecute(m.requestId) ?? false,
          });
          break;
        case 'outputs':
          dispatch({ type: 'outputs', cellId: m.cellId, outputs: m.outputs });
          break;
        case 'cell_done':
          dispatch({
            type: 'cell-done',
            cellId: m.cellId,
            status: m.status,
            executionCount: m.executionCount,
            startedAt: m.startedAt ? ms(m.startedAt) : undefined,
            endedAt: ms(m.endedAt),
          });
          break;
        case 'progress':
          setProgress(m.done >= m.total ? null : { requestId: m.requestId, done: m.done, total: m.total });
          break;
        case 'input_request':
          setInput({ cellId: m.cellId, prompt: m.prompt, password: m.password });
          break;
        case 'input_done':
          setInput((cur) => (cur?.cellId === m.cellId ? null : cur));
          break;
        case 'error':
          setError({ message: m.message, code: m.code });
          // The client forwards an error with a requestId only for this tab's own execute requests: those cells
          // will not run. Other errors (a failed interrupt, say) leave the runs alone.
          if (m.requestId) dispatch({ type: 'runs-reset' });
          break;
        default:
          break;
      }
    };
    let accessRetries = 0;
    const c = new KernelClient(kernelSocketUrl(notebookId), {
      onMessage: handleMessage,
      onStatus: (s) => {
        setStatus(s);
        if (s === 'idle') accessRetries = 0; // connected and working again
        if (s === 'restarting' || s === 'dead' || s === 'none' || s === 'disconnected') {
          setProgress(null);
          setInput(null); // a reconnect is sent the pending input again
          dispatch({ type: 'runs-reset' });
        }
        const pending = afterRestart.current;
        if (pending && (s === 'restarting' || s === 'starting')) pending.restarted = true;
        if (pending?.restarted && s === 'idle') {
          afterRestart.current = null;
          pending.run();
        }
        if (s === 'disconnected') afterRestart.current = null;
      },
      // Signed out elsewhere or the session expired: re-ask who we are, and the auth gate sends us to sign in.
      onSessionEnded: () => void queryClient.invalidateQueries({ queryKey: queryKeys.me }),
      // Edit access removed (or the notebook deleted): load it again, which opens it read-only (or "not found").
      // Still editable (access given back at once, say): the editor stays as it is, so connect again — once; the
      // same refusal right after is shown rather than retried in a loop.
      onAccessLost: () =>
        void (async () => {
          await queryClient.refetchQueries({ queryKey: queryKeys.notebook(notebookId), exact: true });
          const nb = queryClient.getQueryData<NotebookRecord>(queryKeys.notebook(notebookId));
          if (!nb || nb.access === 'read') return;
          if (accessRetries++ === 0) return c.reopen();
          setStatus('none');
          setError({
            message:
              'The server closed the kernel connection: your access to this notebook changed. Reload the page to connect again.',
          });
        })(),
    });
    client.current = c;
    c.connect();
    return () => {
      c.close();
      client.current = null;
    };
  }, [notebookId, dispatch, queryClient]);

  const execute = useCallback(
    (cells: { cellId: string; code: string }[]) => {
      if (!cells.length) return;
      const requestId = client.current?.execute(cells);
      if (!requestId) {
        setError({ message: 'The kernel is not connected yet. Wait for it to be ready and run again.' });
        return;
      }
      setError(null);
      dispatch({ type: 'queued', cellIds: cells.map((c) => c.cellId) });
      if (cells.length > 1) setProgress({ requestId, done: 0, total: cells.length });
    },
    [dispatch],
  );

  const interrupt = useCallback(() => {
    setInput(null);
    client.current?.send({ type: 'interrupt' });
  }, []);
  /** Restarts (a session without a kernel starts one); `then` runs once the kernel is idle again (restart & run all). */
  const restart = useCallback((then?: () => void) => {
    setError(null);
    setInput(null);
    afterRestart.current = null;
    if (!client.current?.send({ type: 'restart' })) {
      setError({ message: 'The kernel is not connected yet. Wait for it to reconnect and try again.' });
      return;
    }
    if (then) afterRestart.current = { run: then, restarted: false };
  }, []);
  const shutdown = useCallback(() => {
    setError(null);
    setInput(null);
    client.current?.send({ type: 'shutdown' });
  }, []);
  const answerInput = useCallback((value: string) => {
    setInput(null);
    client.current?.send({ type: 'input_reply', value });
  }, []);
  const getClient = useCallback(() => client.current, []);
  const dismissError = useCallback(() => setError(null), []);

  return {
    status,
    progress,
    error,
    input,
    execute,
    interrupt,
    restart,
    shutdown,
    answerInput,
    getClient,
    dismissError,
  };
}

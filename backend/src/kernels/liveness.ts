/**
 * A watchdog for one execution: the kernel can die (os._exit, segfault, OOM kill) at a moment when
 * @jupyterlab/services misses the server's restart notice (seen once in CI, while its websocket was
 * reconnecting after a pool restart). Then neither a reply nor a status change ever arrives and the run would
 * wait for its cell timeout. The watchdog asks the server for its view of the kernel every `intervalMs`: gone,
 * dead, or idle on `idleProbes` probes in a row while the execution still has no reply means the execution is
 * lost. A failed probe (network hiccup) says nothing and is ignored.
 */
export type KernelState = 'gone' | 'dead' | 'idle' | 'busy' | 'starting' | 'other';

export interface LivenessOptions {
  /** The server's view of the kernel (e.g. `GET /api/kernels/:id`); may throw. */
  probe: () => Promise<KernelState>;
  /** Called once when the execution is judged lost. */
  onLost: (why: 'gone' | 'dead' | 'idle') => void;
  /** Default 2 s. */
  intervalMs?: number;
  /** Consecutive idle probes that mean the reply will never come. Default 2. */
  idleProbes?: number;
}

/** Starts probing; returns the function that stops it. */
export function watchLiveness(opts: LivenessOptions): () => void {
  const idleProbes = opts.idleProbes ?? 2;
  let idleStreak = 0;
  let stopped = false;
  let probing = false;
  const timer = setInterval(async () => {
    if (probing || stopped) return;
    probing = true;
    try {
      const state = await opts.probe();
      if (stopped) return;
      idleStreak = state === 'idle' ? idleStreak + 1 : 0;
      if (state === 'gone' || state === 'dead') lose(state);
      else if (idleStreak >= idleProbes) lose('idle');
    } catch {
      // a failed probe is no evidence either way
    } finally {
      probing = false;
    }
  }, opts.intervalMs ?? 2_000);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  function lose(why: 'gone' | 'dead' | 'idle') {
    stop();
    opts.onLost(why);
  }
  return stop;
}

/** Maps a Jupyter kernel model (or its absence, a 404) to a KernelState. */
export function kernelStateOf(model: { execution_state?: string } | undefined): KernelState {
  if (!model) return 'gone';
  switch (model.execution_state) {
    case 'dead':
    case 'idle':
    case 'busy':
    case 'starting':
      return model.execution_state;
    default:
      return 'other';
  }
}

import { withTimeout } from '../util/timeout';

/**
 * A watchdog for one execution: the kernel can die (os._exit, segfault, OOM kill) at a moment when
 * @jupyterlab/services misses the server's restart notice (seen once in CI, while its websocket was
 * reconnecting after a pool restart), and the Jupyter Server itself can die or hang. Then neither a reply nor a
 * status change ever arrives and the run would wait for its cell timeout (600 s by default). The watchdog asks the
 * server for its view of the kernel every `intervalMs`:
 * - gone or dead: the execution is lost (`gone`/`dead`);
 * - idle on `idleProbes` probes in a row while the execution still has no reply: lost (`idle`);
 * - `failedProbes` probes in a row that fail (refused, an error, or no answer within `probeTimeoutMs`): the server is
 *   unreachable and the execution is lost with it (`unreachable`). One failure is a network hiccup and says nothing;
 * - gone right after failed probes, or while the client is reconnecting its dropped websocket (`reconnecting`): the
 *   server came back without the kernel (it was restarted): `unreachable` too.
 */
export type KernelState = 'gone' | 'dead' | 'idle' | 'busy' | 'starting' | 'other';
export type LostReason = 'gone' | 'dead' | 'idle' | 'unreachable';

export interface LivenessOptions {
  /** The server's view of the kernel (e.g. `GET /api/kernels/:id`); may throw. */
  probe: () => Promise<KernelState>;
  /** Called once when the execution is judged lost. */
  onLost: (why: LostReason) => void;
  /** Default 2 s. */
  intervalMs?: number;
  /** Consecutive idle probes that mean the reply will never come. Default 2. */
  idleProbes?: number;
  /** Consecutive failed probes that mean the server is unreachable. Default 3 (about 6 s when refused). */
  failedProbes?: number;
  /** A probe without an answer this long has failed. Default 5 s (a server under load answers well within it). */
  probeTimeoutMs?: number;
  /** Whether the client is reconnecting to the kernel after its websocket dropped abnormally. Default: never. */
  reconnecting?: () => boolean;
}

/** Starts probing; returns the function that stops it. */
export function watchLiveness(opts: LivenessOptions): () => void {
  const idleProbes = opts.idleProbes ?? 2;
  const failedProbes = opts.failedProbes ?? 3;
  const probeTimeoutMs = opts.probeTimeoutMs ?? 5_000;
  let idleStreak = 0;
  let failStreak = 0;
  let stopped = false;
  let probing = false;
  const timer = setInterval(async () => {
    if (probing || stopped) return;
    probing = true;
    try {
      const state = await withTimeout(opts.probe(), probeTimeoutMs, 'no answer');
      if (stopped) return;
      const afterFailures = failStreak > 0;
      failStreak = 0;
      idleStreak = state === 'idle' ? idleStreak + 1 : 0;
      if (state === 'gone') lose(afterFailures || opts.reconnecting?.() ? 'unreachable' : 'gone');
      else if (state === 'dead') lose('dead');
      else if (idleStreak >= idleProbes) lose('idle');
    } catch {
      if (stopped) return;
      idleStreak = 0;
      failStreak += 1;
      if (failStreak >= failedProbes) lose('unreachable');
    } finally {
      probing = false;
    }
  }, opts.intervalMs ?? 2_000);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  function lose(why: LostReason) {
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

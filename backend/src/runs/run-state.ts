import type { RunGuard, RunRecord, RunStatus } from '../store/store';

/**
 * The life of a run, in one place. A run moves forward only:
 *
 *     queued ──claim──▶ running ──finish──▶ succeeded | failed | timed_out | cancelled
 *       │                 └──▶ failed (code lost: its attempt went silent, see below)
 *       └──▶ cancelled | failed   (cancelled while queued; never enqueued; bad parameters)
 *
 * Every move is a compare-and-set in the store (RunRepository.transition) guarded by the state it leaves — and, for a
 * running run, by the attempt holding it (`attemptId`, a fencing token). So of two workers racing on one run (a
 * stalled BullMQ job handed to a second worker while the first still runs it), exactly one writes the final state,
 * and a final state is never overwritten or reset to queued.
 *
 * Exactly-once over an at-least-once queue. BullMQ may hand a job out again (a lock that expired while Redis was
 * away, a stalled worker). The rule for a run whose job comes back, or that the reconciler finds without a live job:
 * - `queued` (no cell has run): run it — this is still its first execution;
 * - `running` and its attempt has shown a sign of life (heartbeat) within `STALE_AFTER_MS`: leave it, that attempt is
 *   alive and will write the result;
 * - `running` and silent for longer: end it `failed` with code `lost`. It is never re-executed automatically: its
 *   cells may have run partly (reports sent, files written), and running them twice is worse than asking for a re-run.
 * - final: nothing to do; a run whose result is saved is never executed again.
 *
 * Retries (BullMQ attempts with backoff) are for infrastructure failures *before* a run is claimed (no kernel free,
 * Jupyter unreachable at acquire). Once an attempt has claimed a run, whatever happens ends that run.
 */
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);
export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.has(status);

/** A running attempt writes a heartbeat this often... */
export const HEARTBEAT_MS = 1_000;
/** ...and is presumed dead once silent this long. */
export const STALE_AFTER_MS = 30_000;

export interface Liveness {
  heartbeatMs: number;
  staleAfterMs: number;
}
export const DEFAULT_LIVENESS: Liveness = { heartbeatMs: HEARTBEAT_MS, staleAfterMs: STALE_AFTER_MS };

/** Whether the attempt holding a running run has been silent for longer than `staleAfterMs` (as of `now`). */
export function isSilent(run: RunRecord, now: number, staleAfterMs: number): boolean {
  const last = Date.parse(run.heartbeatAt ?? run.startedAt ?? run.createdAt);
  return now - last > staleAfterMs;
}

/** Guards of each move (the store applies them atomically). */
export const guards = {
  /** A new attempt claims a queued run. */
  claimQueued: { status: ['queued'] } satisfies RunGuard,
  /** The attempt holding the run writes progress or its final state (or, once it is silent, someone ends it lost). */
  held: (attemptId: string): RunGuard => ({ status: ['running'], attemptId }),
  /** Ending a run that has not been claimed (cancel while queued, enqueue failure, lost before it started). */
  unclaimed: { status: ['queued'] } satisfies RunGuard,
} as const;

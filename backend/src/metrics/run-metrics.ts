import type { RunRepository } from '../store/store';
import { isFinal } from '../runs/run-state';
import type { FolioMetrics } from './metrics';

/**
 * The run repository as this process's services use it, observed: every compare-and-set that claims a run
 * (→ running) records its queue wait, every one that ends it (→ a final status) counts it with its duration. Each
 * process counts the moves it wrote (workers: claims and ends; web: cancels of queued runs), so summed over processes
 * every run is counted once — the store's compare-and-set lets only one writer make each move.
 */
export function observeRunTransitions(runs: RunRepository, metrics: FolioMetrics): RunRepository {
  // Every other method (and any added later) is the repository's own, through the prototype.
  const observed = Object.create(runs) as RunRepository;
  observed.transition = async (id, guard, patch) => {
    const moved = await runs.transition(id, guard, patch);
    if (moved && patch.status === 'running') metrics.runClaimed(moved);
    else if (moved && patch.status && isFinal(patch.status)) metrics.runEnded(moved);
    return moved;
  };
  return observed;
}

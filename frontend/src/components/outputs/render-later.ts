/**
 * Outputs that wait for the browser to be idle before rendering, released in the order they asked, as many per idle
 * period as fit in it (at least one). A just-opened notebook renders its first screens at once and the rest through
 * here, so the first editor is usable before 200 cells of outputs are built.
 */
const queue = new Set<() => void>();
let scheduled = false;
let holds = 0;

const requestIdle: (fn: (deadline: { timeRemaining: () => number }) => void) => void =
  typeof requestIdleCallback === 'function'
    ? (fn) => requestIdleCallback(fn)
    : (fn) => setTimeout(() => fn({ timeRemaining: () => 8 }), 0);

function drain(deadline: { timeRemaining: () => number }) {
  scheduled = false;
  let released = 0;
  for (const release of queue) {
    if (released > 0 && deadline.timeRemaining() < 4) break;
    queue.delete(release);
    release();
    released++;
  }
  schedule();
}

function schedule() {
  if (scheduled || holds > 0 || queue.size === 0) return;
  scheduled = true;
  requestIdle(drain);
}

/** Calls `release` once the browser is idle (after the outputs queued before it); the returned function cancels. */
export function renderLater(release: () => void): () => void {
  queue.add(release);
  schedule();
  return () => queue.delete(release);
}

/**
 * Keeps queued outputs waiting even while the browser is idle (the editor holds them until its first code editor is
 * up: loading Monaco leaves the page idle, and that time belongs to the editor). The returned function lifts this
 * hold; calling it again does nothing.
 */
export function holdRenderLater(): () => void {
  holds++;
  let lifted = false;
  return () => {
    if (lifted) return;
    lifted = true;
    holds--;
    schedule();
  };
}

import { useEffect, useState } from 'react';
import type { CellRun } from '../model/notebook-reducer';

export const formatDuration = (ms: number): string =>
  ms < 1000
    ? `${Math.max(0, Math.round(ms))} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** Elapsed time of a cell: ticking while it runs, final once done. */
export function Elapsed({ run }: { run: CellRun | undefined }) {
  const running = run?.state === 'running';
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(t);
  }, [running]);
  if (!run || run.startedAt === undefined) return null;
  const end = running ? now : run.endedAt;
  if (end === undefined) return null;
  return (
    <span className={`cell-elapsed${run.status === 'error' ? ' cell-elapsed-error' : ''}`} data-testid="cell-elapsed">
      {formatDuration(end - run.startedAt)}
    </span>
  );
}

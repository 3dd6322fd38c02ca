import type { JupyterWorkdirs, WorkdirFiles } from '../kernels/workdirs/jupyter-workdirs';
import { RUN_WORKDIRS, runWorkdir, UnsafeWorkdirError, type WorkdirPath } from '../kernels/workdirs/workdir-path';
import type { PooledKernel } from '../kernels/pooled-kernel';
import type { Logger } from '../logger';
import type { RunFilesSource } from '../contracts/runs';
import type { NotebookFileRepository, RunRecord, RunRepository } from '../store/store';
import { isFinal } from './run-state';

/**
 * Every run executes in a fresh working directory of its own, `folio-runs/<run id>` under the Jupyter Server's root,
 * holding the files its record names (`run.files`: the notebook's folder of files, or — for published app versions —
 * their snapshot). A fresh copy per run: whatever a run writes, changes or deletes there is removed with the folder
 * after it and never reaches the next run, even on the same pooled kernel (a restarted kernel starts in the root, not
 * in the last run's folder). Runs without files get their folder too, for the same reason.
 */
export interface RunWorkdirs {
  /**
   * Creates the run's folder with its files and moves the kernel (just started or restarted) into it, side by side.
   * Before the run is claimed: a failure here may be retried, and leaves nothing behind.
   */
  open(run: RunRecord, kernel: PooledKernel): Promise<WorkdirPath>;
  /** Removes the folder and what the run left in it. */
  remove(dir: WorkdirPath): Promise<void>;
}

/** The files a run's working directory starts with, from its record's `files` source. */
export type RunFilesResolver = (run: RunRecord) => WorkdirFiles;

/**
 * `run.files` → the files: `{from: 'notebook'}` (or none, for older records) reads the notebook's folder from the store
 * one file at a time, as it is now. A published app version adds its source here and hands its own `{path, data}` list.
 */
export function runFilesFrom(files: Pick<NotebookFileRepository, 'list' | 'get'>): RunFilesResolver {
  return (run) => {
    const source: RunFilesSource = run.files ?? { from: 'notebook' };
    switch (source.from) {
      case 'notebook':
        return notebookFiles(files, run.notebookId);
    }
  };
}

async function* notebookFiles(
  files: Pick<NotebookFileRepository, 'list' | 'get'>,
  notebookId: string,
): AsyncIterable<{ path: string; data: Buffer }> {
  for (const summary of await files.list(notebookId)) {
    const file = await files.get(notebookId, summary.path);
    if (file) yield { path: file.path, data: file.data }; // deleted meanwhile: not there
  }
}

/** RunWorkdirs on the Jupyter Server's Contents API (kernels/workdirs/jupyter-workdirs.ts). */
export function contentsRunWorkdirs(workdirs: JupyterWorkdirs, files: RunFilesResolver): RunWorkdirs {
  return {
    async open(run, kernel) {
      const dir = runWorkdir(run.id);
      try {
        // The kernel makes the folder too, so the chdir need not wait for the upload (it is done before any cell runs).
        const [created, entered] = await Promise.allSettled([
          workdirs.create(dir, files(run)),
          workdirs.enter(kernel, dir),
        ]);
        for (const r of [created, entered]) if (r.status === 'rejected') throw r.reason;
      } catch (e) {
        await workdirs.remove(dir).catch(() => undefined); // swept later if even this fails
        throw e;
      }
      return dir;
    },
    remove: (dir) => workdirs.remove(dir),
  };
}

/**
 * Removes run folders left behind by a worker that crashed (or lost Jupyter) mid-run: those of runs that have ended or
 * no longer exist. A run still queued or running keeps its folder (another worker may be executing it). Safe with many
 * workers on one Jupyter Server or one DATA_DIR: the store, which they share, decides. Returns how many were removed.
 */
export async function sweepRunWorkdirs(deps: {
  workdirs: Pick<JupyterWorkdirs, 'list' | 'remove'>;
  runs: Pick<RunRepository, 'get'>;
  logger: Logger;
}): Promise<number> {
  let removed = 0;
  for (const entry of await deps.workdirs.list(RUN_WORKDIRS)) {
    let dir: WorkdirPath;
    try {
      dir = runWorkdir(entry.name);
    } catch (e) {
      if (e instanceof UnsafeWorkdirError) continue; // not a folder Folio made: not ours to delete
      throw e;
    }
    const run = await deps.runs.get(entry.name);
    if (run && !isFinal(run.status)) continue;
    await deps.workdirs.remove(dir);
    removed += 1;
  }
  if (removed) deps.logger.info({ removed }, 'removed working directories of runs that had ended');
  return removed;
}

import { KernelAPI, type ServerConnection } from '@jupyterlab/services';
import type { JupyterWorkdirs } from '../kernels/workdirs/jupyter-workdirs';
import {
  embeddedScopeOwner,
  LIVE_WORKDIRS,
  liveWorkdir,
  parentFolders,
  UnsafeWorkdirError,
  type WorkdirPath,
} from '../kernels/workdirs/workdir-path';
import type { PooledKernel } from '../kernels/pooled-kernel';
import type { KernelWorkspace } from '../kernels/sessions/session-events';
import type { Logger } from '../logger';
import type { NotebookFileRepository } from '../store/store';
import type { ChangeHub } from '../util/change-hub';

export interface KernelWorkspacesDeps {
  workdirs: JupyterWorkdirs;
  files: Pick<NotebookFileRepository, 'list' | 'get'>;
  /** Announcements of changed notebook files, by notebook id, from every web process (NotebookFilesService). */
  changes: Pick<ChangeHub, 'subscribe'>;
  /** This Jupyter Server's scope (workdir-path.ts liveScope). */
  scope: string;
  logger: Logger;
  /** Called after a folder was brought in step with an announced change (tests, metrics). Default none. */
  onSynced?: (e: { notebookId: string; dir: WorkdirPath }) => void;
}

/**
 * Live kernels' working directories, as in JupyterLab, where a notebook's kernel runs in the notebook's folder: each
 * kernel a session holds gets `folio-live/<scope>/<kernel id>` with the notebook's files, is moved there when it joins
 * (and again after every restart, which keeps the folder), and the folder follows the notebook's files while the
 * session lives — an upload or a delete through the files API, in any web process, is announced (`changes`) and this
 * process writes or deletes that file in the folders of its kernels on that notebook. What the kernel's own code
 * writes there stays until the kernel goes (a folder is removed when the session gives its kernel up), unless an
 * upload of the same path replaces it; an emptied folder goes only when nothing is left in it.
 */
export function kernelWorkspaces(deps: KernelWorkspacesDeps): (session: { notebookId: string }) => KernelWorkspace {
  const log = deps.logger.child({ component: 'kernel-workspaces' });
  return ({ notebookId }) => {
    const held = new Map<PooledKernel, Folder>();
    return {
      async attach(kernel) {
        const folder = new Folder(deps, notebookId, liveWorkdir(deps.scope, kernel.id), log);
        held.set(kernel, folder);
        const [created, entered] = await Promise.allSettled([folder.create(), deps.workdirs.enter(kernel, folder.dir)]);
        for (const r of [created, entered]) if (r.status === 'rejected') throw r.reason;
      },
      async restarted(kernel) {
        const folder = held.get(kernel);
        if (folder) await deps.workdirs.enter(kernel, folder.dir);
      },
      detach(kernel) {
        const folder = held.get(kernel);
        held.delete(kernel);
        folder?.remove();
      },
    };
  };
}

/** One kernel's folder: what was written there (path → sha256), one change at a time. */
class Folder {
  private readonly written = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private syncQueued = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: KernelWorkspacesDeps,
    private readonly notebookId: string,
    readonly dir: WorkdirPath,
    private readonly log: Logger,
  ) {
    // From now on: a change announced while the folder is being made is applied after it.
    this.unsubscribe = deps.changes.subscribe(notebookId, () => this.sync());
  }

  async create(): Promise<void> {
    const done = this.enqueue(async () => {
      const files = this.deps.files;
      const written = this.written;
      const notebookId = this.notebookId;
      await this.deps.workdirs.create(
        this.dir,
        (async function* () {
          for (const summary of await files.list(notebookId)) {
            const file = await files.get(notebookId, summary.path);
            if (!file) continue;
            written.set(file.path, file.sha256);
            yield { path: file.path, data: file.data };
          }
        })(),
      );
    }, true);
    await done;
  }

  /** Brings the folder in step with the store (deletes first: a path may turn from a file into a folder). */
  sync(): void {
    if (this.syncQueued) return; // one pending sync reads the latest state for all the changes before it
    this.syncQueued = true;
    void this.enqueue(async () => {
      this.syncQueued = false;
      const now = new Map((await this.deps.files.list(this.notebookId)).map((f) => [f.path, f.sha256]));
      const gone = [...this.written.keys()].filter((p) => !now.has(p));
      for (const path of gone) {
        await this.deps.workdirs.deleteFile(this.dir, path);
        this.written.delete(path);
      }
      const implied = new Set([...now.keys()].flatMap(parentFolders));
      const emptied = [...new Set(gone.flatMap(parentFolders))].filter((f) => !implied.has(f));
      for (const folder of emptied.sort((a, b) => b.length - a.length))
        await this.deps.workdirs.removeFolderIfEmpty(this.dir, folder);
      for (const [path, sha] of now) {
        if (this.written.get(path) === sha) continue;
        const file = await this.deps.files.get(this.notebookId, path);
        if (!file) continue; // deleted meanwhile: the next announcement's sync handles it
        await this.deps.workdirs.writeFile(this.dir, path, file.data);
        this.written.set(path, file.sha256);
      }
      this.deps.onSynced?.({ notebookId: this.notebookId, dir: this.dir });
    });
  }

  remove(): void {
    this.unsubscribe();
    void this.enqueue(() => this.deps.workdirs.remove(this.dir));
  }

  /** Runs `step` after the previous ones; failures are logged (and, with `rethrow`, also returned). */
  private enqueue(step: () => Promise<void>, rethrow = false): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch((err: unknown) =>
      this.log.warn({ err, dir: this.dir }, 'could not update the working directory of a live kernel'),
    );
    return rethrow ? run : this.queue;
  }
}

/**
 * Removes live kernels' folders left behind by a Folio process that stopped without removing them: on this server's
 * scope, those of kernels the server no longer runs; on another embedded server's scope, all of them once the Folio
 * process that ran it is gone (its kernels died with it). Folders of external servers other than ours are left alone.
 */
export async function sweepLiveWorkdirs(deps: {
  workdirs: Pick<JupyterWorkdirs, 'list' | 'remove'>;
  settings: ServerConnection.ISettings;
  scope: string;
  logger: Logger;
  /** Whether a process is running. Default: signal 0. */
  isAlive?: (pid: number) => boolean;
}): Promise<number> {
  const isAlive = deps.isAlive ?? processAlive;
  let running: Set<string> | undefined;
  let removed = 0;
  for (const scope of await deps.workdirs.list(LIVE_WORKDIRS)) {
    const owner = embeddedScopeOwner(scope.name);
    const mine = scope.name === deps.scope;
    if (!mine && (owner === null || isAlive(owner))) continue;
    for (const entry of await deps.workdirs.list(`${LIVE_WORKDIRS}/${scope.name}`)) {
      let dir: WorkdirPath;
      try {
        dir = liveWorkdir(scope.name, entry.name);
      } catch (e) {
        if (e instanceof UnsafeWorkdirError) continue;
        throw e;
      }
      if (mine) {
        running ??= new Set((await KernelAPI.listRunning(deps.settings)).map((k) => k.id));
        if (running.has(entry.name)) continue;
      }
      await deps.workdirs.remove(dir);
      removed += 1;
    }
  }
  if (removed) deps.logger.info({ removed }, 'removed working directories of live kernels that no longer run');
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { createHash } from 'node:crypto';
import type { Principal } from '../contracts/principal';
import { conflict, notFound, tooLarge } from '../errors';
import { NotebookAccess } from '../notebooks/notebook-access';
import type {
  NotebookFileRecord,
  NotebookFileRepository,
  NotebookFileSummary,
  NotebookRepository,
  UserRepository,
} from '../store/store';
import { userNames } from '../util/user-names';
import { normalizeFilePath } from './file-path';

export interface NotebookFilesServiceDeps {
  files: NotebookFileRepository;
  notebooks: Pick<NotebookRepository, 'get'>;
  /** The notebooks' access rules (compose.ts shares one). Default: owners and admins only, over `notebooks`. */
  access?: NotebookAccess;
  limits: { maxFileBytes: number };
  /** Names the last writer of each file (`updatedByName`). Default: their ids. */
  users?: Pick<UserRepository, 'getById'>;
  /** Clock (ms since the epoch). Default Date.now. */
  now?: () => number;
  /**
   * Told the notebook's id after every upload or delete, so live kernels' working directories follow (in every web
   * process: compose.ts bridges it over Redis; notebook-files/kernel-workspaces.ts listens). Default none.
   */
  changes?: { publish(notebookId: string): void };
}

/**
 * A notebook's folder of files (a CSV of positions, a logo, a config), kept in the Store so every web and worker
 * machine sees the same ones. Access follows the notebook's (notebooks/notebook-access.ts): list and read need read
 * access, write and delete edit access; a notebook hidden from the caller is 404, viewers get 403 whatever the id.
 * Paths are normalized by `normalizeFilePath` (400 when they could leave the folder or are malformed); a file larger
 * than `maxFileBytes` is refused with a 413 and nothing is stored. A path cannot be both a file and a folder: writing
 * `data/a.csv` while a file `data` exists (or `data` while `data/…` files exist) is a 409, as it would be on a disk.
 * Files live in the database, so there is no symlink to follow. Every change is announced (`changes`): live kernels'
 * working directories follow it; headless runs copy the files when they start (runs/run-workdir.ts).
 */
export class NotebookFilesService {
  private readonly access: NotebookAccess;
  constructor(private readonly deps: NotebookFilesServiceDeps) {
    this.access = deps.access ?? new NotebookAccess({ notebooks: deps.notebooks });
  }

  async list(who: Principal, notebookId: string): Promise<(NotebookFileSummary & { updatedByName: string })[]> {
    await this.access.readable(who, notebookId);
    const files = await this.deps.files.list(notebookId);
    const names = await userNames(
      this.deps.users,
      files.map((f) => f.updatedBy),
    );
    return files.map((f) => ({ ...f, updatedByName: names.get(f.updatedBy)! }));
  }

  async get(who: Principal, notebookId: string, rawPath: string): Promise<NotebookFileRecord> {
    await this.access.readable(who, notebookId);
    const path = normalizeFilePath(rawPath);
    const file = await this.deps.files.get(notebookId, path);
    if (!file) throw notFound(`File "${path}"`);
    return file;
  }

  async put(
    who: Principal,
    notebookId: string,
    rawPath: string,
    data: Buffer,
  ): Promise<{ file: NotebookFileSummary; created: boolean }> {
    await this.access.writable(who, notebookId);
    const path = normalizeFilePath(rawPath);
    if (data.length > this.deps.limits.maxFileBytes) throw tooLarge(tooLargeMessage(this.deps.limits.maxFileBytes));
    const clash = (await this.deps.files.list(notebookId)).find(
      (f) => f.path.startsWith(`${path}/`) || path.startsWith(`${f.path}/`),
    );
    if (clash) {
      throw conflict(
        clash.path.startsWith(`${path}/`)
          ? `"${path}" is a folder of this notebook (it holds "${clash.path}"); choose another name.`
          : `"${clash.path}" is a file of this notebook, so it cannot be a folder; choose another path.`,
        { path, clash: clash.path },
      );
    }
    const saved = await this.deps.files.put({
      notebookId,
      path,
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      data,
      updatedAt: new Date((this.deps.now ?? Date.now)()).toISOString(),
      updatedBy: who.id,
    });
    if (!saved) throw notFound('Notebook');
    this.deps.changes?.publish(notebookId);
    return saved;
  }

  async delete(who: Principal, notebookId: string, rawPath: string): Promise<void> {
    await this.access.writable(who, notebookId);
    const path = normalizeFilePath(rawPath);
    if (!(await this.deps.files.delete(notebookId, path))) throw notFound(`File "${path}"`);
    this.deps.changes?.publish(notebookId);
  }
}

/** The 413 message, also used by the route when the body parser stops an oversized upload. */
export function tooLargeMessage(maxFileBytes: number): string {
  const mb = maxFileBytes / (1024 * 1024);
  return `The file is larger than the ${mb >= 1 ? Math.round(mb) : mb.toFixed(2)} MB limit for notebook files (FOLIO_MAX_FILE_MB); nothing was stored.`;
}

import { createHash } from 'node:crypto';
import type { Principal } from '../contracts/principal';
import { conflict, forbidden, notFound, tooLarge } from '../errors';
import { canRead, canWrite } from '../notebooks/notebook.service';
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
  limits: { maxFileBytes: number };
  /** Names the last writer of each file (`updatedByName`). Default: their ids. */
  users?: Pick<UserRepository, 'getById'>;
  /** Clock (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/**
 * A notebook's folder of files (a CSV of positions, a logo, a config), kept in the Store so every web and worker
 * machine sees the same ones. Access follows the notebook's own rule (notebooks/notebook.service.ts):
 * - list and read: any author or admin; viewers get 403 whatever the id (they see published apps, never notebooks).
 * - write and delete: the notebook's owner or an admin (other authors 403); an unknown notebook is 404.
 * Paths are normalized by `normalizeFilePath` (400 when they could leave the folder or are malformed); a file larger
 * than `maxFileBytes` is refused with a 413 and nothing is stored. A path cannot be both a file and a folder: writing
 * `data/a.csv` while a file `data` exists (or `data` while `data/…` files exist) is a 409, as it would be on a disk.
 * Files live in the database, so there is no symlink to follow.
 */
export class NotebookFilesService {
  constructor(private readonly deps: NotebookFilesServiceDeps) {}

  async list(who: Principal, notebookId: string): Promise<(NotebookFileSummary & { updatedByName: string })[]> {
    assertCanRead(who);
    await this.load(notebookId);
    const files = await this.deps.files.list(notebookId);
    const names = await userNames(
      this.deps.users,
      files.map((f) => f.updatedBy),
    );
    return files.map((f) => ({ ...f, updatedByName: names.get(f.updatedBy)! }));
  }

  async get(who: Principal, notebookId: string, rawPath: string): Promise<NotebookFileRecord> {
    assertCanRead(who);
    const path = normalizeFilePath(rawPath);
    await this.load(notebookId);
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
    assertCanRead(who);
    const path = normalizeFilePath(rawPath);
    const nb = await this.load(notebookId);
    assertCanWrite(who, nb);
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
    return saved;
  }

  async delete(who: Principal, notebookId: string, rawPath: string): Promise<void> {
    assertCanRead(who);
    const path = normalizeFilePath(rawPath);
    const nb = await this.load(notebookId);
    assertCanWrite(who, nb);
    if (!(await this.deps.files.delete(notebookId, path))) throw notFound(`File "${path}"`);
  }

  private async load(id: string) {
    const nb = await this.deps.notebooks.get(id);
    if (!nb) throw notFound('Notebook');
    return nb;
  }
}

/** The 413 message, also used by the route when the body parser stops an oversized upload. */
export function tooLargeMessage(maxFileBytes: number): string {
  const mb = maxFileBytes / (1024 * 1024);
  return `The file is larger than the ${mb >= 1 ? Math.round(mb) : mb.toFixed(2)} MB limit for notebook files (FOLIO_MAX_FILE_MB); nothing was stored.`;
}

function assertCanRead(who: Principal): void {
  if (!canRead(who)) throw forbidden('Viewers open published apps; notebooks and their files are for authors.');
}

function assertCanWrite(who: Principal, nb: { ownerId: string }): void {
  if (!canWrite(who, nb)) throw forbidden('Only the owner of this notebook (or an admin) can change its files.');
}

import { ServerConnection } from '@jupyterlab/services';
import { executeCode } from '../executor';
import type { PooledKernel } from '../pooled-kernel';
import { checked, chdirCode, fileInWorkdir, parentFolders, type WorkdirPath } from './workdir-path';

/** A file to put in a working directory: its normalized path inside it and its bytes. */
export interface WorkdirFile {
  path: string;
  data: Buffer;
}
/** Files for a working directory, given at once (an app version's snapshot) or read one by one (from the store). */
export type WorkdirFiles = Iterable<WorkdirFile> | AsyncIterable<WorkdirFile>;

export interface WorkdirEntry {
  name: string;
  /** ISO time of the folder's last change, as the server reports it. */
  lastModified: string;
}

export interface JupyterWorkdirsOptions {
  settings: ServerConnection.ISettings;
  /** Files written at once into one working directory. Default 4. */
  concurrency?: number;
  /** Time limit of the chdir in the kernel. Default 30 s. */
  enterTimeoutMs?: number;
}

/**
 * Kernels' working directories on the Jupyter Server, written through its Contents API (`PUT /api/contents/<path>`,
 * base64 for files, `type: directory` for folders; `DELETE` to remove) — so they land where the kernels run, whether
 * the server is Folio's embedded one or an external one on another machine (JUPYTER_URL), with nothing shared but
 * HTTP. The kernel is then moved there with a generated `os.chdir` (workdir-path.ts).
 *
 * The server must delete folders for good and allow dotfiles: kernels/jupyter_server_config.py sets
 * `FileContentsManager.delete_to_trash = False`, `always_delete_dir = True` and `ContentsManager.allow_hidden = True`
 * (use it for an external server too).
 */
export class JupyterWorkdirs {
  private readonly settings: ServerConnection.ISettings;
  private readonly concurrency: number;
  private readonly enterTimeoutMs: number;

  constructor(opts: JupyterWorkdirsOptions) {
    this.settings = opts.settings;
    this.concurrency = opts.concurrency ?? 4;
    this.enterTimeoutMs = opts.enterTimeoutMs ?? 30_000;
  }

  /** Creates `dir` (and its parents if missing) holding `files`. */
  async create(dir: WorkdirPath, files: WorkdirFiles): Promise<void> {
    await this.makeFolder(checked(dir));
    const folders = new Map<string, Promise<void>>();
    const folder = (f: string) => {
      let made = folders.get(f);
      if (!made) folders.set(f, (made = this.put(`${dir}/${f}`, { type: 'directory' })));
      return made;
    };
    await eachLimited(files, this.concurrency, async (file) => {
      const target = fileInWorkdir(dir, file.path);
      for (const f of parentFolders(file.path)) await folder(f);
      await this.putFile(target, file.data);
    });
  }

  /** Writes (creates or replaces) one file in `dir`, making its folders. */
  async writeFile(dir: WorkdirPath, path: string, data: Buffer): Promise<void> {
    const target = fileInWorkdir(dir, path);
    for (const f of parentFolders(path)) await this.put(`${dir}/${f}`, { type: 'directory' });
    await this.putFile(target, data);
  }

  /** Deletes one file of `dir`; false when it was not there. */
  async deleteFile(dir: WorkdirPath, path: string): Promise<boolean> {
    return this.delete(fileInWorkdir(dir, path));
  }

  /** Deletes `folder` of `dir` if it is empty (the kernel may have written files there: they stay). */
  async removeFolderIfEmpty(dir: WorkdirPath, folder: string): Promise<boolean> {
    const path = fileInWorkdir(dir, folder);
    const entries = await this.entries(path);
    if (entries === null || entries.length > 0) return false;
    return this.delete(path);
  }

  /** Removes `dir` and everything in it; nothing to do when it is gone already. */
  async remove(dir: WorkdirPath): Promise<void> {
    await this.delete(checked(dir));
  }

  /** The folders directly under `parent` (a workdir parent such as `folio-runs`); none when it does not exist. */
  async list(parent: string): Promise<WorkdirEntry[]> {
    const entries = (await this.entries(parent)) ?? [];
    return entries.filter((e) => e.type === 'directory').map((e) => ({ name: e.name, lastModified: e.last_modified }));
  }

  /** Makes `dir` the kernel's cwd. The kernel must have just started or restarted (its cwd is the server's root). */
  async enter(kernel: PooledKernel, dir: WorkdirPath): Promise<void> {
    const r = await executeCode(kernel, chdirCode(dir), {
      silent: true,
      storeHistory: false,
      timeoutMs: this.enterTimeoutMs,
    });
    if (r.status !== 'ok') {
      const why = r.error ? `${r.error.ename}: ${r.error.evalue}` : r.status;
      throw new Error(`The kernel could not change to its working directory ${dir} (${why}).`);
    }
  }

  private async makeFolder(dir: WorkdirPath): Promise<void> {
    // One request in the common case; the parents are made (once per server) when the first try finds them missing,
    // and a folder the kernel made meanwhile (chdirCode creates it too) makes the second try succeed.
    const made = await this.request('PUT', dir, { type: 'directory' });
    if (made.ok) return;
    const segments = dir.split('/');
    for (let i = 1; i < segments.length; i++) await this.put(segments.slice(0, i).join('/'), { type: 'directory' });
    await this.put(dir, { type: 'directory' });
  }

  private putFile(path: string, data: Buffer): Promise<void> {
    return this.put(path, { type: 'file', format: 'base64', content: data.toString('base64') });
  }

  private async put(path: string, model: Record<string, unknown>): Promise<void> {
    const res = await this.request('PUT', path, model);
    if (!res.ok) throw await contentsError('PUT', path, res);
  }

  private async delete(path: string): Promise<boolean> {
    const res = await this.request('DELETE', path);
    if (res.status === 404) return false;
    if (!res.ok) throw await contentsError('DELETE', path, res);
    return true;
  }

  private async entries(path: string): Promise<Array<{ name: string; type: string; last_modified: string }> | null> {
    const res = await this.request('GET', `${path}?content=1`);
    if (res.status === 404) return null;
    if (!res.ok) throw await contentsError('GET', path, res);
    const model = (await res.json()) as { type: string; content: unknown };
    return model.type === 'directory' && Array.isArray(model.content) ? (model.content as never) : null;
  }

  private request(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Response> {
    const [p, query] = path.split('?');
    const url = `${this.settings.baseUrl}api/contents/${p!.split('/').map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
    const init: RequestInit = {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    };
    return ServerConnection.makeRequest(url, init, this.settings);
  }
}

async function contentsError(method: string, path: string, res: Response): Promise<Error> {
  const text = await res.text().catch(() => '');
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: keep the text
  }
  return new Error(`Jupyter Contents API ${method} ${path}: ${res.status} ${message}`.trim());
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure rejects (after the running ones settle). */
async function eachLimited<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const p: Promise<void> = fn(item).then(
      () => void running.delete(p),
      (error: unknown) => {
        running.delete(p);
        failure ??= { error };
      },
    );
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

import { createHash } from 'node:crypto';

/**
 * Kernels' working directories, as paths relative to the Jupyter Server's root dir (its Contents API root and the cwd
 * a kernel starts in). Every path here is made by the server from ids it generated (a run id, a kernel id, a hash of
 * the server URL), checked against a strict pattern, never from user input; user input (a notebook file's path) only
 * ever lands *inside* one, segment by segment (`fileInWorkdir`).
 */

/** One run's folder: `folio-runs/<runId>`, created for the run, removed after it. */
export const RUN_WORKDIRS = 'folio-runs';
/** Live kernels' folders: `folio-live/<server scope>/<kernelId>`, for as long as the session holds the kernel. */
export const LIVE_WORKDIRS = 'folio-live';

/** An id that may name a folder: letters, digits, `-` and `_`, 1–128 characters, not starting with `-`/`_`. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Every workdir path: one of the two parents, then one or two ids. */
const WORKDIR = new RegExp(
  `^(?:${RUN_WORKDIRS}/${ID.source.slice(1, -1)}|${LIVE_WORKDIRS}/${ID.source.slice(1, -1)}/${ID.source.slice(1, -1)})$`,
);

declare const workdirBrand: unique symbol;
/** A working directory made by `runWorkdir` / `liveWorkdir` (relative to the server's root). */
export type WorkdirPath = string & { readonly [workdirBrand]: true };

export class UnsafeWorkdirError extends Error {
  override name = 'UnsafeWorkdirError';
}

function id(kind: string, value: string): string {
  if (!ID.test(value))
    throw new UnsafeWorkdirError(`not a usable ${kind} for a working directory: ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

export function runWorkdir(runId: string): WorkdirPath {
  return checked(`${RUN_WORKDIRS}/${id('run id', runId)}`);
}

/** `scope` names the Jupyter Server (liveScope), so a sweep only judges kernels of the server it asks. */
export function liveWorkdir(scope: string, kernelId: string): WorkdirPath {
  return checked(`${LIVE_WORKDIRS}/${id('server scope', scope)}/${id('kernel id', kernelId)}`);
}

/**
 * The scope of live kernels' folders on one Jupyter Server: `p<pid>` for the embedded server of the Folio process
 * `pid` (its kernels die with it, so a sweep may remove a dead process's folders), `x<hash>` for an external server
 * (whose running kernels say which folders are in use). Never user input.
 */
export function liveScope(server: { embeddedBy: number } | { url: string }): string {
  if ('embeddedBy' in server) return id('server scope', `p${server.embeddedBy}`);
  return id('server scope', `x${createHash('sha256').update(server.url).digest('hex').slice(0, 16)}`);
}

/** The Folio process whose embedded server a scope names, or null for an external server's. */
export function embeddedScopeOwner(scope: string): number | null {
  const m = /^p(\d{1,10})$/.exec(scope);
  return m ? Number(m[1]) : null;
}

/** The workdir path again, re-checked (defence in depth: a value cast to WorkdirPath elsewhere is refused too). */
export function checked(dir: string): WorkdirPath {
  if (!WORKDIR.test(dir))
    throw new UnsafeWorkdirError(`not a Folio working directory: ${JSON.stringify(dir.slice(0, 80))}`);
  return dir as WorkdirPath;
}

/**
 * A Python string literal of `s`. JSON's string syntax is a subset of Python's (the same escapes: `\"`, `\\`, `\n`,
 * `\uXXXX`, …; JSON.stringify escapes every control character), so the value can only ever be data.
 */
export function pythonString(s: string): string {
  return JSON.stringify(s);
}

/**
 * The code that makes a kernel's cwd `dir` (creating it if the Contents API has not yet: the two run side by side):
 * the server-made path as a string literal, nothing else. Run in a kernel that has just started or restarted, whose
 * cwd is the server's root dir; binds no name in the user's namespace.
 */
export function chdirCode(dir: WorkdirPath): string {
  const p = pythonString(checked(dir));
  return `__import__("os").makedirs(${p}, exist_ok=True); __import__("os").chdir(${p})`;
}

/**
 * `path` (a notebook file's normalized path) inside `dir`, or an UnsafeWorkdirError when it could leave it: absolute,
 * `.`/`..`/empty segments, backslashes or control characters. Files come from the database, so nothing here follows
 * a symlink; this check is the second line behind `normalizeFilePath`, and Jupyter's own root check is the third.
 */
export function fileInWorkdir(dir: WorkdirPath, path: string): string {
  const segments = path.split('/');
  // eslint-disable-next-line no-control-regex
  const unsafeChar = /[\\\u0000-\u001f\u007f]/;
  const bad =
    path.startsWith('/') || unsafeChar.test(path) || segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad)
    throw new UnsafeWorkdirError(
      `a file path that could leave its working directory: ${JSON.stringify(path.slice(0, 80))}`,
    );
  return `${checked(dir)}/${path}`;
}

/** The folders `path` (a file's path) implies, outermost first: `a/b/c.txt` → [`a`, `a/b`]. */
export function parentFolders(path: string): string[] {
  const segments = path.split('/').slice(0, -1);
  return segments.map((_, i) => segments.slice(0, i + 1).join('/'));
}

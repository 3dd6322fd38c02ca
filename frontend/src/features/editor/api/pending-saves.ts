/**
 * Saves still on their way, per notebook. An editor that closes flushes its last edits and goes away at once; the
 * next load of that notebook (reopening it right after "Notebooks") waits for them, so it never shows — and then
 * saves over — the copy from before them.
 */
const pending = new Map<string, Promise<void>>();

export function trackSave(key: string, save: Promise<void>): void {
  pending.set(key, save);
  const forget = () => {
    if (pending.get(key) === save) pending.delete(key);
  };
  save.then(forget, forget);
}

export const hasPendingSaves = (key: string): boolean => pending.has(key);

/** Resolves once the saves of `key` known now have ended (saved or failed). */
export async function savesSettled(key: string): Promise<void> {
  for (let p = pending.get(key); p; p = pending.get(key)) await p.catch(() => undefined);
}

/**
 * A save sent as the page went away (pagehide) may still be on its way when the reloaded page loads the notebook:
 * the load could answer the version from before it. The save leaves a note in this tab's sessionStorage (it survives
 * a reload) with the version it was made from; the next load of that notebook in this tab within EXIT_SAVE_WINDOW_MS
 * waits until the server has a newer version (briefly: the save may have failed).
 */
const EXIT_SAVE_WINDOW_MS = 10_000;
const exitKey = (key: string) => `folio:exit-save:${key}`;

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

export function noteExitSave(key: string, baseVersion: number): void {
  storage()?.setItem(exitKey(key), JSON.stringify({ base: baseVersion, at: Date.now() }));
}

export function clearExitSave(key: string): void {
  storage()?.removeItem(exitKey(key));
}

/** The version a recent exit save of `key` was made from, or null. */
export function exitSaveBase(key: string): number | null {
  const raw = storage()?.getItem(exitKey(key));
  if (!raw) return null;
  try {
    const { base, at } = JSON.parse(raw) as { base?: unknown; at?: unknown };
    if (typeof base === 'number' && typeof at === 'number' && Date.now() - at < EXIT_SAVE_WINDOW_MS) return base;
  } catch {
    // a damaged note counts as none
  }
  clearExitSave(key);
  return null;
}

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

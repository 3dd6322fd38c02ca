import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Notebook } from '../../../lib/nbformat';
import { queryKeys } from '../../../lib/query-client';
import { getNotebook } from './get-notebook';
import { SaveQueue, type SaveSnapshot, type SaveState } from './save-queue';
import { updateNotebook } from './update-notebook';

export type { SaveSnapshot, SaveState } from './save-queue';

/**
 * Debounced autosave: every change bumps `revision`; `delayMs` after the last one the notebook is saved through a
 * SaveQueue (one save at a time, each from the version the previous one returned; unchanged outputs are not sent
 * again). A 409 stops autosaving and reports the conflict (reload, or overwrite on purpose). Each save invalidates
 * the notebook list (name, updated time); the open notebook's own query is left alone (the editor owns it).
 * `loaded` is the document as loaded at `initialVersion` (what the server holds).
 */
export function useAutosave(
  notebookId: string,
  initialVersion: number,
  loaded: Notebook,
  snap: SaveSnapshot,
  delayMs = 1000,
) {
  const latest = useRef(snap);
  latest.current = snap;
  const [state, setState] = useState<SaveState>({ kind: 'saved' });
  const qc = useQueryClient();
  const [queue] = useState(
    () =>
      new SaveQueue({
        send: (req) => updateNotebook({ id: notebookId, ...req }),
        snapshot: () => latest.current,
        onState: setState,
        onSaved: () => void qc.invalidateQueries({ queryKey: queryKeys.notebooks, exact: true }),
        version: initialVersion,
        revision: snap.revision,
        loaded,
      }),
  );
  const blocked = state.kind === 'conflict';

  const save = useCallback(() => queue.save(), [queue]);

  useEffect(() => {
    if (blocked || snap.revision === queue.savedRevision) return;
    setState((st) => (st.kind === 'saving' ? st : { kind: 'pending' }));
    const t = setTimeout(() => void queue.save(), delayMs);
    return () => clearTimeout(t);
  }, [snap.revision, snap.name, blocked, queue, delayMs]);

  /** Saves over the newer server version on purpose (the user chose "Overwrite"). */
  const overwrite = useCallback(async () => {
    const current =
      state.kind === 'conflict' && state.currentVersion >= 0
        ? state.currentVersion
        : (await getNotebook(notebookId)).version;
    await queue.overwrite(current);
  }, [notebookId, queue, state]);

  const dirty = snap.revision !== queue.savedRevision;
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  return { state, saveNow: save, overwrite };
}

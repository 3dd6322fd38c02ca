import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { queryKeys } from '../../../lib/query-client';
import { getNotebook } from './get-notebook';
import { conflictVersion, updateNotebook } from './update-notebook';
import type { Notebook } from '../../../lib/nbformat';

export type SaveState =
  | { kind: 'saved' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'error'; message: string }
  | { kind: 'conflict'; currentVersion: number };

export interface SaveSnapshot {
  revision: number;
  name: string;
  content: () => Notebook;
}

/**
 * Debounced autosave: every change bumps `revision`; `delayMs` after the last one the notebook is PUT with the version
 * it was loaded/saved at. A 409 stops autosaving and reports the conflict (reload, or overwrite on purpose). Each save
 * invalidates the notebook list (name, updated time); the open notebook's own query is left alone (the editor owns it).
 */
export function useAutosave(notebookId: string, initialVersion: number, snap: SaveSnapshot, delayMs = 1000) {
  const version = useRef(initialVersion);
  const savedRevision = useRef(snap.revision);
  const inFlight = useRef<Promise<void> | null>(null);
  const latest = useRef(snap);
  latest.current = snap;
  const [state, setState] = useState<SaveState>({ kind: 'saved' });
  const qc = useQueryClient();
  const blocked = state.kind === 'conflict';

  const save = useCallback(async (): Promise<void> => {
    if (inFlight.current) await inFlight.current;
    const s = latest.current;
    if (s.revision === savedRevision.current) return setState({ kind: 'saved' });
    setState({ kind: 'saving' });
    const run = (async () => {
      try {
        const rec = await updateNotebook({
          id: notebookId,
          version: version.current,
          name: s.name,
          content: s.content(),
        });
        version.current = rec.version;
        savedRevision.current = s.revision;
        void qc.invalidateQueries({ queryKey: queryKeys.notebooks, exact: true });
        setState(latest.current.revision === s.revision ? { kind: 'saved' } : { kind: 'pending' });
      } catch (e) {
        const current = conflictVersion(e);
        setState(
          current !== null
            ? { kind: 'conflict', currentVersion: current }
            : { kind: 'error', message: (e as Error).message },
        );
      }
    })();
    inFlight.current = run;
    await run;
    inFlight.current = null;
  }, [notebookId, qc]);

  useEffect(() => {
    if (blocked || snap.revision === savedRevision.current) return;
    setState((st) => (st.kind === 'saving' ? st : { kind: 'pending' }));
    const t = setTimeout(() => void save(), delayMs);
    return () => clearTimeout(t);
  }, [snap.revision, snap.name, blocked, save, delayMs]);

  /** Saves over the newer server version on purpose (the user chose "Overwrite"). */
  const overwrite = useCallback(async () => {
    const current =
      state.kind === 'conflict' && state.currentVersion >= 0
        ? state.currentVersion
        : (await getNotebook(notebookId)).version;
    version.current = current;
    savedRevision.current = -1;
    await save();
  }, [notebookId, save, state]);

  const dirty = snap.revision !== savedRevision.current;
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  return { state, saveNow: save, overwrite, version };
}

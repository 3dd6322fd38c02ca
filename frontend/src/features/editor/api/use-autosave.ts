import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Notebook } from '../../../lib/nbformat';
import { queryKeys } from '../../../lib/query-client';
import { getNotebook } from './get-notebook';
import { SaveQueue, type SavedNotebook, type SaveSnapshot, type SaveState } from './save-queue';
import { updateNotebook } from './update-notebook';

export type { SavedNotebook, SaveSnapshot, SaveState } from './save-queue';

/** What the autosaver needs from the editor. */
export interface AutosaveEditor {
  /** The document now, read from the editor's state ref (never a render's copy, which may be older). */
  snapshot: () => SaveSnapshot;
  /** Takes another tab's newer save (see SaveQueue `adopt`). */
  adopt: (saved: SavedNotebook, keepOutputsSince: number) => void;
  /** Fills cells an overwrite would have emptied with the server's code. */
  fill: (cells: { id: string; source: string }[]) => void;
}

export interface AutosaveTiming {
  /** Quiet time after the last change before a save. Default 1 s. */
  delayMs?: number;
  /** Longest a change waits, however often more come (typing on, outputs streaming). Default 5 s. */
  maxWaitMs?: number;
}

/** Tabs of this browser tell each other about their saves here: `{id, version}`. */
const SAVES_CHANNEL = 'folio:notebook-saved';
let announcer: BroadcastChannel | null = null;
/** Tells the other tabs (the page's one sender: it outlives editors, whose last save lands after they close). */
function announceSave(id: string, version: number) {
  if (typeof BroadcastChannel === 'undefined') return;
  announcer ??= new BroadcastChannel(SAVES_CHANNEL);
  announcer.postMessage({ id, version });
}

/**
 * Autosave of the open notebook through a SaveQueue (one save at a time; unchanged outputs not sent again).
 * - A change (author edit or own run's outputs) is saved `delayMs` after the last one, and never later than
 *   `maxWaitMs` after the first unsaved one: nothing (typing, streaming outputs) can postpone a save without bound.
 * - Leaving the editor (any route change, or the notebook remounting) flushes what is unsaved; the next load of the
 *   notebook waits for it. Hiding or closing the page flushes with `keepalive` (sources first), and `beforeunload`
 *   warns while author edits are unsaved, a save is on its way, or one failed or was refused.
 * - Other tabs: each save is announced on a BroadcastChannel; a tab with no unsaved author edits adopts the newer
 *   save silently (so do a tab coming back into view and a 409 on a save of outputs alone). With unsaved author
 *   edits a 409 stops autosaving and shows the conflict (reload, or overwrite on purpose).
 * Each save invalidates the notebook list (name, updated time); the open notebook's own query is left alone.
 * `loaded` is the document as loaded at `initialVersion` (what the server holds).
 */
export function useAutosave(
  notebookId: string,
  initialVersion: number,
  loaded: Notebook,
  editor: AutosaveEditor,
  change: { revision: number; outputsRevision: number },
  { delayMs = 1000, maxWaitMs = 5000 }: AutosaveTiming = {},
) {
  const latest = useRef(editor);
  latest.current = editor;
  const [state, setState] = useState<SaveState>({ kind: 'saved' });
  const qc = useQueryClient();
  const [queue] = useState(() => {
    const snap = editor.snapshot();
    return new SaveQueue({
      key: notebookId,
      send: (req, opts) => updateNotebook({ id: notebookId, ...req }, opts),
      snapshot: () => latest.current.snapshot(),
      onState: setState,
      onSaved: (version) => {
        announceSave(notebookId, version);
        void qc.invalidateQueries({ queryKey: queryKeys.notebooks, exact: true });
      },
      fetchLatest: () => getNotebook(notebookId),
      adopt: (saved, since) => latest.current.adopt(saved, since),
      fill: (cells) => latest.current.fill(cells),
      version: initialVersion,
      revision: snap.revision,
      outputsRevision: snap.outputsRevision,
      loaded,
    });
  });
  const blocked = state.kind === 'conflict';

  const save = useCallback(() => queue.save(), [queue]);

  // Debounce with a max wait. `firstUnsaved` is when the oldest change not yet saved was made.
  const firstUnsaved = useRef<number | null>(null);
  const editsUnsaved = change.revision !== queue.savedRevision;
  useEffect(() => {
    if (blocked || !queue.dirty) {
      firstUnsaved.current = null;
      return;
    }
    const now = Date.now();
    firstUnsaved.current ??= now;
    if (editsUnsaved) setState((st) => (st.kind === 'saving' ? st : { kind: 'pending' }));
    const wait = Math.max(0, Math.min(delayMs, firstUnsaved.current + maxWaitMs - now));
    const t = setTimeout(() => {
      firstUnsaved.current = null;
      void queue.save();
    }, wait);
    return () => clearTimeout(t);
  }, [change.revision, change.outputsRevision, editsUnsaved, blocked, queue, delayMs, maxWaitMs]);

  // Leaving the editor: save what is unsaved now (the queue outlives the component; the next load waits for it).
  useEffect(
    () => () => {
      if (queue.dirty) void queue.save();
    },
    [queue],
  );

  // The page is hidden or going away: send what is unsaved so that it survives; warn before unloading at risk.
  useEffect(() => {
    const flush = () => {
      if (queue.dirty) void queue.save({ keepalive: true });
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flush();
      else void queue.follow(); // back into view: take what other tabs (or devices) saved meanwhile
    };
    const warn = (e: BeforeUnloadEvent) => {
      if (!queue.atRisk) return;
      e.preventDefault();
      e.returnValue = ''; // older browsers
    };
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('beforeunload', warn);
    };
  }, [queue]);

  // Other tabs of this browser announce their saves.
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const ch = new BroadcastChannel(SAVES_CHANNEL);
    ch.onmessage = (e: MessageEvent<{ id?: unknown; version?: unknown }>) => {
      if (e.data?.id === notebookId && typeof e.data.version === 'number') void queue.follow(e.data.version);
    };
    return () => ch.close();
  }, [notebookId, queue]);

  /** Saves over the newer server version on purpose (the user chose "Overwrite"). */
  const overwrite = useCallback(async () => {
    const current =
      state.kind === 'conflict' && state.currentVersion >= 0
        ? state.currentVersion
        : (await getNotebook(notebookId)).version;
    await queue.overwrite(current);
  }, [notebookId, queue, state]);

  return { state, saveNow: save, overwrite };
}

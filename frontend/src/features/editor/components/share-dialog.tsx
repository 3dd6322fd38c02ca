import { useEffect, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog } from '../../../components/ui/dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import {
  useAccessList,
  useSetAccess,
  useShareCandidates,
  type AccessList,
  type Permission,
  type ShareCandidate,
} from '../api/notebook-access';

interface Entry {
  userId: string;
  name: string;
  email: string;
  permission: Permission;
}

const sameEntries = (a: Entry[], b: Entry[]) =>
  a.length === b.length && a.every((e, i) => e.userId === b[i]?.userId && e.permission === b[i]?.permission);

const entriesOf = (list: AccessList): Entry[] =>
  list.users.map(({ userId, name, email, permission }) => ({ userId, name, email, permission }));

/**
 * Share a notebook with named authors (owner or admin): each can read it (open, export, its revisions and runs — no
 * kernel, no runs of their own) or edit it (also save, run, use a live kernel). The list is edited here and saved as a
 * whole; removing someone's edit access also shuts down their live kernel on it. Anyone else gets "not found".
 */
export function ShareDialog({ notebookId, onClose }: { notebookId: string; onClose: () => void }) {
  const list = useAccessList(notebookId);
  const [entries, setEntries] = useState<Entry[] | null>(null);

  // Seeded from a fresh read only (not a cached list that a refetch is about to replace): saving writes the whole
  // list, so starting from a stale one would undo someone's newer change.
  useEffect(() => {
    if (list.data && list.isFetchedAfterMount && !list.isFetching && entries === null) setEntries(entriesOf(list.data));
  }, [list.data, list.isFetchedAfterMount, list.isFetching, entries]);

  // One Dialog throughout (loading, error, form): it takes focus once, and the search field takes it when it appears.
  return (
    <Dialog title="Share notebook" onClose={onClose} className="form-dialog share-dialog" testId="share-dialog">
      {list.isError ? (
        <>
          <ErrorMessage
            title="Could not load the access list."
            error={list.error}
            onRetry={() => void list.refetch()}
          />
          <div className="modal-actions">
            <Button onClick={onClose}>Close</Button>
          </div>
        </>
      ) : !list.data || entries === null ? (
        <Spinner label="Loading who has access…" />
      ) : (
        <ShareForm
          list={list.data}
          entries={entries}
          setEntries={setEntries}
          notebookId={notebookId}
          onClose={onClose}
        />
      )}
    </Dialog>
  );
}

function ShareForm({
  notebookId,
  list,
  entries: current,
  setEntries,
  onClose,
}: {
  notebookId: string;
  list: AccessList;
  entries: Entry[];
  setEntries: (entries: Entry[]) => void;
  onClose: () => void;
}) {
  const save = useSetAccess(notebookId);
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setDebounced(q.trim()), 200);
    return () => clearTimeout(t);
  }, [q]);
  const candidates = useShareCandidates(notebookId, debounced);

  const owner = list.owner;
  const taken = new Set([owner.userId, ...current.map((e) => e.userId)]);
  const offered = (candidates.data ?? []).filter((c) => !taken.has(c.userId));
  const changed = !sameEntries(current, entriesOf(list));

  const add = (c: ShareCandidate) => {
    setEntries([...current, { userId: c.userId, name: c.name, email: c.email, permission: 'read' }]);
    setQ('');
  };
  const setPermission = (userId: string, permission: Permission) =>
    setEntries(current.map((e) => (e.userId === userId ? { ...e, permission } : e)));
  const remove = (userId: string) => setEntries(current.filter((e) => e.userId !== userId));

  return (
    <>
      <p className="muted">
        Only the people listed here can find this notebook. <strong>Can read</strong>: open and export it, see its
        revisions and runs. <strong>Can edit</strong>: also change it, run it and use a live kernel.
      </p>
      <label>
        Add people
        <input
          type="search"
          placeholder="Name or email of an author"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          autoFocus
          data-testid="share-search"
        />
      </label>
      {q.trim() && (
        <ul className="share-candidates" data-testid="share-candidates">
          {candidates.isError ? (
            <li className="form-error">{candidates.error.message}</li>
          ) : offered.length === 0 ? (
            <li className="muted">{candidates.isFetching ? 'Searching…' : 'No author or admin matches.'}</li>
          ) : (
            offered.map((c) => (
              <li key={c.userId}>
                <button
                  type="button"
                  className="btn btn-ghost share-pick"
                  onClick={() => add(c)}
                  data-testid="share-candidate"
                >
                  {c.name} <span className="muted">{c.email}</span>
                </button>
              </li>
            ))
          )}
        </ul>
      )}
      <table className="notebook-table share-table" data-testid="share-list">
        <tbody>
          <tr>
            <td>
              {owner.name} <span className="muted">{owner.email}</span>
            </td>
            <td className="muted">Owner</td>
            <td />
          </tr>
          {current.map((e) => (
            <tr key={e.userId} data-testid="share-entry" data-email={e.email}>
              <td>
                {e.name} <span className="muted">{e.email}</span>
              </td>
              <td>
                <select
                  aria-label={`Access of ${e.email}`}
                  value={e.permission}
                  onChange={(ev) => setPermission(e.userId, ev.target.value as Permission)}
                  data-testid="share-permission"
                >
                  <option value="read">Can read</option>
                  <option value="edit">Can edit</option>
                </select>
              </td>
              <td className="row-actions">
                <Button variant="ghost" aria-label={`Remove ${e.email}`} onClick={() => remove(e.userId)}>
                  Remove
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current.length === 0 && <p className="empty">Not shared: only you (and admins) can open it.</p>}
      {save.isError && <ErrorMessage title="Not saved:" error={save.error} />}
      <div className="modal-actions">
        <Button onClick={onClose}>{changed ? 'Cancel' : 'Close'}</Button>
        <Button
          variant="primary"
          disabled={!changed || save.isPending}
          onClick={() =>
            save.mutate(
              current.map(({ userId, permission }) => ({ userId, permission })),
              { onSuccess: onClose },
            )
          }
          data-testid="share-save"
        >
          {save.isPending ? 'Saving…' : 'Save'}
        </Button>
      </div>
    </>
  );
}

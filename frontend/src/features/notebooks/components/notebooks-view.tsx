import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { useCreateNotebook } from '../api/create-notebook';
import { useDeleteNotebook } from '../api/delete-notebook';
import { useNotebooks } from '../api/get-notebooks';
import { useImportNotebook } from '../api/import-notebook';
import type { NotebookSummary } from '../api/notebook-summary.schema';
import { filterNotebooks, type NotebookShow, type NotebookSort } from './filter-notebooks';
import { ImportDropZone } from './import-drop-zone';
import { NotebookTable } from './notebook-table';

export function NotebooksView() {
  const navigate = useNavigate();
  const notebooks = useNotebooks();
  const create = useCreateNotebook();
  const importer = useImportNotebook();
  const remove = useDeleteNotebook();
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<NotebookSort>('updated');
  const [show, setShow] = useState<NotebookShow>('all');
  const [toDelete, setToDelete] = useState<NotebookSummary | null>(null);
  const [notice, setNotice] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);

  const shown = useMemo(
    () => filterNotebooks(notebooks.data ?? [], search, sort, show),
    [notebooks.data, search, sort, show],
  );

  const handleNew = () =>
    create.mutate(
      { name: 'Untitled' },
      {
        onSuccess: (n) => navigate(`/notebooks/${encodeURIComponent(n.id)}`),
        onError: (e) => setNotice({ kind: 'error', text: `Could not create a notebook: ${e.message}` }),
      },
    );

  const handleFiles = async (files: File[]) => {
    const done: string[] = [];
    for (const f of files) {
      try {
        const n = await importer.mutateAsync(f);
        done.push(n.name);
      } catch (e) {
        setNotice({ kind: 'error', text: `${f.name} was not imported: ${(e as Error).message}` });
        return;
      }
    }
    setNotice({ kind: 'info', text: `Imported ${done.join(', ')}.` });
  };

  return (
    <section className="page" aria-labelledby="notebooks-title">
      <div className="page-head">
        <h1 id="notebooks-title">Notebooks</h1>
        <div className="page-tools">
          <input
            type="search"
            placeholder="Search notebooks"
            aria-label="Search notebooks"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="notebook-search"
          />
          <label className="inline-label">
            Show
            <select value={show} onChange={(e) => setShow(e.target.value as NotebookShow)} data-testid="notebook-show">
              <option value="all">All notebooks</option>
              <option value="mine">My notebooks</option>
              <option value="shared">Shared with me</option>
              <option value="examples">Examples</option>
            </select>
          </label>
          <label className="inline-label">
            Sort by
            <select value={sort} onChange={(e) => setSort(e.target.value as NotebookSort)} data-testid="notebook-sort">
              <option value="updated">Last updated</option>
              <option value="name">Name</option>
            </select>
          </label>
          <Button variant="primary" onClick={handleNew} disabled={create.isPending} data-testid="new-notebook">
            New notebook
          </Button>
        </div>
      </div>
      {notice && (
        <div
          className={notice.kind === 'error' ? 'error-box' : 'info-box'}
          role={notice.kind === 'error' ? 'alert' : 'status'}
          data-testid="list-notice"
        >
          {notice.text}{' '}
          <Button variant="ghost" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </Button>
        </div>
      )}
      <ImportDropZone onFiles={(f) => void handleFiles(f)} onReject={(text) => setNotice({ kind: 'error', text })}>
        {importer.isPending && <Spinner label="Importing…" />}
        {notebooks.isPending ? (
          <Spinner label="Loading notebooks…" />
        ) : notebooks.isError ? (
          <ErrorMessage
            title="Could not load notebooks."
            error={notebooks.error}
            onRetry={() => void notebooks.refetch()}
          />
        ) : notebooks.data.length === 0 ? (
          <p className="empty" data-testid="notebooks-empty">
            No notebooks yet. Create one or import an .ipynb file.
          </p>
        ) : shown.length === 0 ? (
          <p className="empty">{search.trim() ? `No ${SHOW_NOUN[show]} matches “${search}”.` : SHOW_EMPTY[show]}</p>
        ) : (
          <NotebookTable notebooks={shown} onDelete={setToDelete} />
        )}
      </ImportDropZone>
      {toDelete && (
        <ConfirmDialog
          title={`Delete “${toDelete.name}”?`}
          confirmLabel="Delete"
          busy={remove.isPending}
          onCancel={() => setToDelete(null)}
          onConfirm={() =>
            remove.mutate(toDelete.id, {
              onSuccess: () => setToDelete(null),
              onError: (e) => {
                setToDelete(null);
                setNotice({ kind: 'error', text: `Could not delete: ${e.message}` });
              },
            })
          }
        >
          <p>The notebook and all its saved revisions will be removed. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

const SHOW_NOUN: Record<NotebookShow, string> = {
  all: 'notebook',
  mine: 'notebook of yours',
  shared: 'notebook shared with you',
  examples: 'example notebook',
};

const SHOW_EMPTY: Record<NotebookShow, string> = {
  all: 'No notebooks.',
  mine: 'You have no notebooks of your own yet. Create one, import an .ipynb file, or make a copy of an example.',
  shared: 'Nobody has shared a notebook with you yet.',
  examples: 'No example notebooks here (deleted ones do not come back).',
};

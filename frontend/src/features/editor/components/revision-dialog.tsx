import { useMemo, useRef, useState } from 'react';
import { OutputArea } from '../../../components/outputs/output-area';
import { Button } from '../../../components/ui/button';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { useModal } from '../../../components/ui/use-modal';
import { formatWhen } from '../../../lib/format';
import { sourceText, type Notebook } from '../../../lib/nbformat';
import { useRevision, type RevisionSummary } from '../api/revisions';
import { cellChanges, describeChanges, notebookText } from '../model/notebook-diff';
import { MarkdownView } from './markdown-view';
import { DiffView } from './monaco/diff-view';

type View = 'changes' | 'preview';

/**
 * One revision, opened from the Revisions panel: its changes against the notebook as it is now in the editor
 * (left: the revision, right: current), or a read-only preview of its cells and outputs. Restore asks first.
 */
export function RevisionDialog({
  notebookId,
  revision,
  current,
  onRestore,
  onClose,
}: {
  notebookId: string;
  revision: RevisionSummary;
  current: () => Notebook;
  onRestore: () => void;
  onClose: () => void;
}) {
  const full = useRevision(notebookId, revision.version);
  const [view, setView] = useState<View>('changes');
  const dialog = useRef<HTMLDivElement>(null);
  useModal(dialog, onClose);
  // The editor's document when the dialog opened (what "current" means while it is open).
  const [now] = useState(current);
  const texts = useMemo(
    () => (full.data ? { before: notebookText(full.data.content), after: notebookText(now) } : null),
    [full.data, now],
  );
  const summary = full.data ? describeChanges(cellChanges(full.data.content, now)) : '';

  return (
    <div className="modal-backdrop">
      <div
        ref={dialog}
        tabIndex={-1}
        className="modal revision-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="revision-title"
        data-testid="revision-dialog"
      >
        <div className="revision-dialog-head">
          <h2 id="revision-title">
            Version {revision.version}
            <span className="muted">
              {' '}
              · {formatWhen(revision.savedAt)} · {revision.savedByName ?? revision.savedBy}
            </span>
          </h2>
          <div className="segmented" role="tablist" aria-label="Show">
            {(['changes', 'preview'] as const).map((v) => (
              <button
                key={v}
                type="button"
                role="tab"
                aria-selected={view === v}
                className={`btn btn-ghost${view === v ? ' btn-selected' : ''}`}
                data-testid={`revision-view-${v}`}
                onClick={() => setView(v)}
              >
                {v === 'changes' ? 'Changes vs current' : 'Preview'}
              </button>
            ))}
          </div>
        </div>
        {full.isPending ? (
          <Spinner label="Loading the revision…" />
        ) : full.isError ? (
          <ErrorMessage title="Could not load the revision." error={full.error} onRetry={() => void full.refetch()} />
        ) : (
          <>
            {/* Kept mounted while the preview shows: the diff is computed once, never torn down mid-way. */}
            <div hidden={view !== 'changes'}>
              <p className="muted" data-testid="revision-summary">
                {summary}. Left: version {revision.version}; right: the notebook now.
              </p>
              <DiffView original={texts!.before} modified={texts!.after} />
            </div>
            {view === 'preview' && (
              <div className="revision-preview" data-testid="revision-preview">
                {full.data.content.cells.length === 0 && <p className="empty">This version has no cells.</p>}
                {full.data.content.cells.map((c) => (
                  <div key={c.id} className="revision-cell" data-testid="revision-cell">
                    {c.cell_type === 'markdown' ? (
                      <MarkdownView source={sourceText(c.source)} onEdit={() => undefined} />
                    ) : (
                      <pre className="revision-code">{sourceText(c.source)}</pre>
                    )}
                    {c.cell_type === 'code' && <OutputArea outputs={c.outputs} />}
                  </div>
                ))}
              </div>
            )}
          </>
        )}
        <div className="modal-actions">
          <Button onClick={onClose} data-testid="revision-close">
            Close
          </Button>
          <Button variant="primary" onClick={onRestore} disabled={!full.data} data-testid="revision-restore">
            Restore this version…
          </Button>
        </div>
      </div>
    </div>
  );
}

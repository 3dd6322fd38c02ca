import { useState } from 'react';
import { createPortal } from 'react-dom';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { formatWhen } from '../../../lib/format';
import type { Notebook } from '../../../lib/nbformat';
import { useRestoreRevision, useRevisions, type RevisionSummary } from '../api/revisions';
import { RevisionDialog } from './revision-dialog';

/**
 * The notebook's history (GET /api/notebooks/:id/revisions), newest first: version, when, by whom, and whether it is
 * a checkpoint (creation, Ctrl+S, a restore). Opening one shows its changes against the notebook now and a preview;
 * restoring asks first, saves pending edits, and makes the revision the new current version — itself a save, so the
 * version it replaces stays in the history and nothing is lost.
 */
export function RevisionsPanel({
  notebookId,
  current,
  saveNow,
  canSave,
  onRestored,
}: {
  notebookId: string;
  current: () => Notebook;
  saveNow: () => Promise<unknown>;
  /** False while the editor's own save is in conflict or failed: restoring then could lose those edits. */
  canSave: boolean;
  onRestored: () => void;
}) {
  const revisions = useRevisions(notebookId);
  const restore = useRestoreRevision(notebookId);
  const [open, setOpen] = useState<RevisionSummary | null>(null);
  const [confirm, setConfirm] = useState<RevisionSummary | null>(null);
  const [error, setError] = useState<string | null>(null);

  const handleRestore = async (r: RevisionSummary) => {
    setError(null);
    try {
      await saveNow();
      await restore.mutateAsync(r.version);
      setConfirm(null);
      setOpen(null);
      onRestored();
    } catch (e) {
      setConfirm(null);
      setError(`Version ${r.version} was not restored: ${(e as Error).message}`);
    }
  };

  return (
    <div className="revisions-panel" data-testid="revisions-panel">
      <div className="side-panel-head">
        <h2>Revisions</h2>
        <Button variant="ghost" onClick={() => void revisions.refetch()} aria-label="Refresh revisions">
          ↻
        </Button>
      </div>
      {error && <ErrorMessage error={error} onRetry={() => setError(null)} />}
      {revisions.isPending ? (
        <Spinner label="Loading revisions…" />
      ) : revisions.isError ? (
        <ErrorMessage
          title="Could not load the revisions."
          error={revisions.error}
          onRetry={() => void revisions.refetch()}
        />
      ) : revisions.data.length === 0 ? (
        <p className="empty">No revisions yet.</p>
      ) : (
        <ol className="revisions-list" data-testid="revisions-list">
          {revisions.data.map((r, i) => (
            <li key={r.version} data-testid="revision-row" data-version={r.version}>
              <button type="button" className="revision-row" onClick={() => setOpen(r)} title={r.savedAt}>
                <span className="revision-title">
                  Version {r.version}
                  {i === 0 && <span className="badge">current</span>}
                  {r.checkpoint && <span className="badge badge-muted">checkpoint</span>}
                </span>
                <span className="muted revision-meta" data-testid="revision-meta">
                  {formatWhen(r.savedAt)} · {r.savedByName ?? r.savedBy}
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
      <p className="muted files-hint">Saves by one person within 10 minutes are kept as one revision.</p>
      {/* Dialogs go to <body>: the sidebar is sticky (its own stacking context, under the toolbar). */}
      {open &&
        createPortal(
          <RevisionDialog
            notebookId={notebookId}
            revision={open}
            current={current}
            onClose={() => setOpen(null)}
            onRestore={() => setConfirm(open)}
          />,
          document.body,
        )}
      {confirm &&
        createPortal(
          <ConfirmDialog
            title={`Restore version ${confirm.version}?`}
            confirmLabel="Restore"
            busy={restore.isPending}
            onCancel={() => setConfirm(null)}
            onConfirm={() => void handleRestore(confirm)}
          >
            {canSave ? (
              <p>
                The notebook becomes a copy of version {confirm.version}, saved as a new version. What you have now is
                saved first and stays in the history, so nothing is lost.
              </p>
            ) : (
              <p className="error-box">
                Your latest edits are not saved (see the message above the notebook). Restoring now would set them
                aside: they are not in the history.
              </p>
            )}
          </ConfirmDialog>,
          document.body,
        )}
    </div>
  );
}

import { useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { Button } from '../../../components/ui/button';
import { useFileDrop } from '../../../components/ui/use-file-drop';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { formatBytes, formatWhen } from '../../../lib/format';
import {
  notebookFileUrl,
  useDeleteNotebookFile,
  useNotebookFiles,
  useUploadNotebookFile,
  type NotebookFile,
} from '../api/notebook-files';

/**
 * The notebook's files (GET /api/notebooks/:id/files): name, size, last update; upload by drag and drop onto the
 * panel or with the Upload button (a file of an existing name replaces it, after a confirmation, as JupyterLab's
 * "Overwrite?"); delete after a confirmation. Markdown cells show images from here by relative path.
 */
export function FilesPanel({ notebookId }: { notebookId: string }) {
  const files = useNotebookFiles(notebookId);
  const upload = useUploadNotebookFile(notebookId);
  const remove = useDeleteNotebookFile(notebookId);
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState<string[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const [toReplace, setToReplace] = useState<File[] | null>(null);
  const [toDelete, setToDelete] = useState<NotebookFile | null>(null);

  const send = async (picked: File[]) => {
    setErrors([]);
    setUploading(picked.map((f) => f.name));
    const failed: string[] = [];
    for (const f of picked) {
      try {
        await upload.mutateAsync({ path: f.name, body: f });
      } catch (e) {
        failed.push(`${f.name} was not uploaded: ${(e as Error).message}`);
      }
      setUploading((u) => u.filter((n) => n !== f.name));
    }
    setErrors(failed);
  };
  const take = (picked: File[]) => {
    if (!picked.length) return;
    const existing = new Set((files.data ?? []).map((f) => f.path));
    if (picked.some((f) => existing.has(f.name))) setToReplace(picked);
    else void send(picked);
  };
  const { over, dropProps } = useFileDrop(take);
  const replacing = toReplace?.filter((f) => (files.data ?? []).some((x) => x.path === f.name)) ?? [];

  return (
    <div className={`files-panel${over ? ' drop-zone-over' : ''}`} data-testid="files-panel" {...dropProps}>
      <div className="side-panel-head">
        <h2>Files</h2>
        <Button onClick={() => input.current?.click()} data-testid="files-upload">
          Upload
        </Button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Upload files"
          data-testid="files-input"
          onChange={(e) => {
            take(Array.from(e.target.files ?? []));
            e.target.value = '';
          }}
        />
      </div>
      {uploading.length > 0 && <Spinner label={`Uploading ${uploading.join(', ')}…`} />}
      {errors.map((e) => (
        <ErrorMessage key={e} error={e} onRetry={() => setErrors((all) => all.filter((x) => x !== e))} />
      ))}
      {files.isPending ? (
        <Spinner label="Loading files…" />
      ) : files.isError ? (
        <ErrorMessage title="Could not load the files." error={files.error} onRetry={() => void files.refetch()} />
      ) : files.data.length === 0 ? (
        <p className="empty" data-testid="files-empty">
          No files yet. Drop files here or use Upload. Markdown cells show images by relative path, e.g.{' '}
          <code>![](logo.png)</code>.
        </p>
      ) : (
        <ul className="files-list" data-testid="files-list">
          {files.data.map((f) => (
            <li key={f.path} className="files-row" data-testid="file-row" data-path={f.path}>
              <div className="files-main">
                <a href={notebookFileUrl(notebookId, f.path)} className="files-name" title={`Download ${f.path}`}>
                  {f.path}
                </a>
                <span className="muted files-meta" title={f.updatedAt}>
                  <span data-testid="file-size">{formatBytes(f.size)}</span> · {formatWhen(f.updatedAt)}
                  {f.updatedByName ? ` · ${f.updatedByName}` : ''}
                </span>
              </div>
              <Button
                variant="ghost"
                aria-label={`Delete ${f.path}`}
                data-testid="file-delete"
                onClick={() => setToDelete(f)}
              >
                Delete
              </Button>
            </li>
          ))}
        </ul>
      )}
      {!files.isPending && !files.isError && files.data.length > 0 && (
        <p className="muted files-hint">Drop files here to add them.</p>
      )}
      {/* Dialogs go to <body>: the sidebar is sticky (its own stacking context, under the toolbar). */}
      {toReplace &&
        createPortal(
          <ConfirmDialog
            title={replacing.length === 1 ? `Replace “${replacing[0]!.name}”?` : `Replace ${replacing.length} files?`}
            confirmLabel="Replace"
            onCancel={() => setToReplace(null)}
            onConfirm={() => {
              const picked = toReplace;
              setToReplace(null);
              void send(picked);
            }}
          >
            <p>
              {replacing.map((f) => f.name).join(', ')} already {replacing.length === 1 ? 'exists' : 'exist'}; the
              upload replaces {replacing.length === 1 ? 'it' : 'them'}.
            </p>
          </ConfirmDialog>,
          document.body,
        )}
      {toDelete &&
        createPortal(
          <ConfirmDialog
            title={`Delete “${toDelete.path}”?`}
            confirmLabel="Delete"
            busy={remove.isPending}
            onCancel={() => setToDelete(null)}
            onConfirm={() =>
              remove.mutate(toDelete.path, {
                onSuccess: () => setToDelete(null),
                onError: (e) => {
                  setToDelete(null);
                  setErrors([`Could not delete ${toDelete.path}: ${e.message}`]);
                },
              })
            }
          >
            <p>The file is removed from this notebook. This cannot be undone.</p>
          </ConfirmDialog>,
          document.body,
        )}
    </div>
  );
}

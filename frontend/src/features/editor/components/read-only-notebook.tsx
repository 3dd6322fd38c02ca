import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { OutputArea } from '../../../components/outputs/output-area';
import { Button } from '../../../components/ui/button';
import { ErrorMessage } from '../../../components/ui/error-message';
import { sourceText, type Cell } from '../../../lib/nbformat';
import { copyName, useCopyNotebook } from '../api/copy-notebook';
import { exportNotebook } from '../api/export-notebook';
import type { NotebookRecord } from '../api/get-notebook';
import { MarkdownView } from './markdown-view';

const promptOf = (cell: Cell) => (cell.cell_type === 'code' ? `[${cell.execution_count ?? ' '}]:` : '');

/**
 * A notebook the user may read but not change (shared with them to read, or an example): its cells and saved outputs,
 * as the editor shows them, with no kernel (read-only sharers never execute code) and nothing to save. "Make a copy"
 * gives them their own private notebook to edit and run.
 */
export function ReadOnlyNotebook({ record }: { record: NotebookRecord }) {
  const navigate = useNavigate();
  const copy = useCopyNotebook();
  const [notice, setNotice] = useState<string | null>(null);
  const cells = record.content.cells;
  const makeCopy = () =>
    copy.mutate(
      { name: copyName(record.name), content: record.content },
      { onSuccess: (nb) => navigate(`/notebooks/${encodeURIComponent(nb.id)}`) },
    );

  return (
    <div className="editor editor-read-only" data-testid="read-only-notebook">
      <div className="editor-toolbar" role="toolbar" aria-label="Notebook">
        <div className="toolbar-row">
          <h1 className="notebook-name notebook-name-static" data-testid="notebook-name-static">
            {record.name}
          </h1>
          <span className="badge" data-testid="read-only-badge">
            Read only
          </span>
          {record.ownerName && <span className="muted">Owner: {record.ownerName}</span>}
          <div className="topbar-spacer" />
          <Button variant="primary" onClick={makeCopy} disabled={copy.isPending} data-testid="make-copy">
            {copy.isPending ? 'Copying…' : 'Make a copy'}
          </Button>
          <Button
            onClick={() => exportNotebook(record.id, record.name).catch((e: Error) => setNotice(e.message))}
            data-testid="export"
          >
            Export .ipynb
          </Button>
        </div>
      </div>
      <p className="info-box" role="note">
        You can read this notebook and its saved outputs. To change or run it, make a copy: it is yours and private.
      </p>
      {copy.isError && <ErrorMessage title="Could not make a copy:" error={copy.error} />}
      {notice && <ErrorMessage title="Export failed:" error={notice} onRetry={() => setNotice(null)} />}
      <div className="cell-list" data-testid="cell-list">
        {cells.length === 0 && <p className="empty">This notebook has no cells.</p>}
        {cells.map((c, i) => (
          <div
            key={c.id ?? i}
            className={`cell cell-${c.cell_type}`}
            data-testid="cell"
            data-cell-type={c.cell_type}
            aria-label={`Cell ${i + 1}, ${c.cell_type}`}
          >
            <div className="cell-gutter">
              <span className="cell-prompt">{promptOf(c)}</span>
            </div>
            <div className="cell-body">
              {c.cell_type === 'markdown' ? (
                <MarkdownView source={sourceText(c.source)} attachments={c.attachments} />
              ) : (
                <pre className="static-code code-read-only" data-testid="cell-code">
                  {sourceText(c.source)}
                </pre>
              )}
              {c.cell_type === 'code' && <OutputArea outputs={c.outputs} />}
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

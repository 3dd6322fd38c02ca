import { Link } from 'react-router-dom';
import { Button } from '../../../components/ui/button';
import type { NotebookSummary } from '../api/notebook-summary.schema';
import { formatWhen } from './filter-notebooks';

export function NotebookTable({
  notebooks,
  onDelete,
}: {
  notebooks: NotebookSummary[];
  onDelete: (n: NotebookSummary) => void;
}) {
  return (
    <table className="notebook-table" data-testid="notebook-list">
      <thead>
        <tr>
          <th>Name</th>
          <th>Cells</th>
          <th>Updated</th>
          <th aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {notebooks.map((n) => (
          <tr key={n.id} data-testid="notebook-row" data-notebook-id={n.id} data-example={!!n.example}>
            <td>
              <Link to={`/notebooks/${encodeURIComponent(n.id)}`} className="notebook-link">
                {n.name}
              </Link>
              {n.example && (
                <span className="badge" title="An example notebook, pinned at the top" data-testid="example-badge">
                  Example
                </span>
              )}
            </td>
            <td className="muted">{n.cellCount ?? ''}</td>
            <td className="muted" title={n.updatedAt}>
              {formatWhen(n.updatedAt)}
            </td>
            <td className="row-actions">
              <Button
                variant="ghost"
                aria-label={`Delete ${n.name}`}
                data-testid="delete-notebook"
                onClick={() => onDelete(n)}
              >
                Delete
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

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
          <th>Owner</th>
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
              {(n.access === 'read' || n.access === 'edit') && !n.example && (
                <span className="badge badge-muted" title="Shared with you by its owner" data-testid="shared-badge">
                  {n.access === 'read' ? 'Shared · read only' : 'Shared · can edit'}
                </span>
              )}
            </td>
            <td className="muted">{n.access === 'owner' ? 'You' : (n.ownerName ?? '')}</td>
            <td className="muted">{n.cellCount ?? ''}</td>
            <td className="muted" title={n.updatedAt}>
              {formatWhen(n.updatedAt)}
            </td>
            <td className="row-actions">
              {/* Deleting is the owner's (or an admin's); the server refuses anyone else. */}
              {(n.access === undefined || n.access === 'owner' || n.access === 'admin') && (
                <Button
                  variant="ghost"
                  aria-label={`Delete ${n.name}`}
                  data-testid="delete-notebook"
                  onClick={() => onDelete(n)}
                >
                  Delete
                </Button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

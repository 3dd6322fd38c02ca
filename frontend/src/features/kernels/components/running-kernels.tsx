import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { useKernels, type RunningKernel } from '../api/get-kernels';
import { useShutdownAllKernels, useShutdownKernel } from '../api/shutdown-kernels';
import { formatAgo, formatBytes } from './format';

/**
 * JupyterLab's "Running Terminals and Kernels", for live kernels: one row per notebook with a kernel (closed notebooks
 * keep theirs), with when it started, its last activity, its state, its memory (RSS, when Folio runs the Jupyter
 * Server itself), and Shut down / Shut down all. Admins see every user's kernels.
 */
export function RunningKernels({ showOwners }: { showOwners: boolean }) {
  const kernels = useKernels();
  const shutdown = useShutdownKernel();
  const shutdownAll = useShutdownAllKernels();
  const [confirmAll, setConfirmAll] = useState(false);
  const rows = kernels.data ?? [];
  const failure = shutdown.error ?? shutdownAll.error;

  return (
    <section className="page running-kernels" data-testid="running-kernels" aria-labelledby="running-kernels-title">
      <div className="page-head">
        <h1 id="running-kernels-title">Running kernels</h1>
        <div className="topbar-spacer" />
        <Button
          variant="danger"
          disabled={rows.length === 0 || shutdownAll.isPending}
          onClick={() => setConfirmAll(true)}
          data-testid="shutdown-all-kernels"
        >
          Shut down all
        </Button>
      </div>
      <p className="muted">
        Closing a notebook keeps its kernel and variables. When you reach your kernel limit, the least recently used
        kernel with no notebook open and nothing running is shut down to make room; kernels open in a tab or running
        cells are shut down only here.
      </p>
      {failure && <ErrorMessage title="Could not shut down:" error={failure} />}
      {kernels.isPending ? (
        <Spinner label="Loading kernels…" />
      ) : kernels.isError ? (
        <ErrorMessage
          title="Could not load the kernels."
          error={kernels.error}
          onRetry={() => void kernels.refetch()}
        />
      ) : rows.length === 0 ? (
        <p className="empty" data-testid="no-kernels">
          No kernels are running. Open a notebook and run a cell to start one.
        </p>
      ) : (
        <KernelTable
          rows={rows}
          showOwners={showOwners}
          busyId={shutdown.isPending ? shutdown.variables : undefined}
          onShutdown={(k) => shutdown.mutate(k.id)}
        />
      )}
      {confirmAll && (
        <ConfirmDialog
          title="Shut down all kernels?"
          confirmLabel="Shut down all"
          busy={shutdownAll.isPending}
          onCancel={() => setConfirmAll(false)}
          onConfirm={() => shutdownAll.mutate(undefined, { onSettled: () => setConfirmAll(false) })}
        >
          <p>
            {rows.length === 1 ? 'The kernel' : `All ${rows.length} kernels`} listed will be shut down; their variables
            are lost.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function KernelTable({
  rows,
  showOwners,
  busyId,
  onShutdown,
}: {
  rows: RunningKernel[];
  showOwners: boolean;
  busyId: string | undefined;
  onShutdown: (k: RunningKernel) => void;
}) {
  return (
    <table className="notebook-table" data-testid="kernel-list">
      <thead>
        <tr>
          <th>Notebook</th>
          {showOwners && <th>User</th>}
          <th>State</th>
          <th>Started</th>
          <th>Last activity</th>
          <th>Memory</th>
          <th>Tabs</th>
          <th aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {rows.map((k) => {
          const name = k.notebookName ?? '(deleted notebook)';
          return (
            <tr key={k.id} data-testid="kernel-row" data-notebook-id={k.notebookId} data-state={k.executionState}>
              <td>
                <Link to={`/notebooks/${encodeURIComponent(k.notebookId)}`} className="notebook-link">
                  {name}
                </Link>
              </td>
              {showOwners && <td className="muted">{k.userName ?? k.userId}</td>}
              <td>
                <span className={`kernel-status kernel-${k.executionState}`}>
                  <span className="kernel-dot" aria-hidden="true" />
                  {k.executionState}
                </span>
              </td>
              <td className="muted" title={k.startedAt ?? ''}>
                {formatAgo(k.startedAt)}
              </td>
              <td className="muted" title={k.lastActivity}>
                {formatAgo(k.lastActivity)}
              </td>
              <td className="muted" data-testid="kernel-memory">
                {formatBytes(k.memoryBytes)}
              </td>
              <td className="muted">{k.connections}</td>
              <td className="row-actions">
                <Button
                  variant="ghost"
                  aria-label={`Shut down the kernel of ${name}`}
                  disabled={busyId === k.id}
                  onClick={() => onShutdown(k)}
                  data-testid="shutdown-kernel"
                >
                  {busyId === k.id ? 'Shutting down…' : 'Shut down'}
                </Button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

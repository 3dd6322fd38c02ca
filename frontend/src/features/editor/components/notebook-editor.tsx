import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { isApiError } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';
import { useNotebook } from '../api/get-notebook';
import { EditorSession } from './editor-session';
import { NotebookFilesProvider } from './notebook-files-context';
import { ReadOnlyNotebook } from './read-only-notebook';

export function NotebookEditor({ notebookId }: { notebookId: string }) {
  const nb = useNotebook(notebookId);
  const qc = useQueryClient();
  const [generation, setGeneration] = useState(0);

  if (nb.isPending) return <Spinner label="Opening notebook…" />;
  if (nb.isError) {
    if (isApiError(nb.error, 404))
      return (
        <div className="page" role="alert">
          <h1>Notebook not found</h1>
          <Link to="/notebooks">Back to notebooks</Link>
        </div>
      );
    return <ErrorMessage title="Could not open the notebook." error={nb.error} onRetry={() => void nb.refetch()} />;
  }
  const handleReload = async () => {
    await qc.refetchQueries({ queryKey: queryKeys.notebook(notebookId), exact: true });
    void qc.invalidateQueries({ queryKey: queryKeys.notebooks, exact: true });
    setGeneration((g) => g + 1);
  };
  return (
    <NotebookFilesProvider notebookId={notebookId}>
      {nb.data.access === 'read' ? (
        <ReadOnlyNotebook record={nb.data} />
      ) : (
        <EditorSession key={`${generation}:${nb.data.version}`} record={nb.data} onReload={() => void handleReload()} />
      )}
    </NotebookFilesProvider>
  );
}

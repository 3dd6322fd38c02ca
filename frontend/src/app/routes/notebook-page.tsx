import { useParams } from 'react-router-dom';
import { NotebookEditor } from '../../features/editor/components/notebook-editor';

export function NotebookPage() {
  const { id } = useParams();
  return <NotebookEditor key={id} notebookId={id!} />;
}

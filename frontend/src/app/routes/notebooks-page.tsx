import { NotebooksView } from '../../features/notebooks/components/notebooks-view';

export function NotebooksPage() {
  return <NotebooksView />;
}

import { FilesPanel } from './files-panel';
import { SidePanel } from './side-panel';

/** The open notebook's side panels (right sidebar): its files and its revisions. */
export function EditorSidePanels({ notebookId }: { notebookId: string }) {
  return <SidePanel tabs={[{ id: 'files', label: 'Files', render: () => <FilesPanel notebookId={notebookId} /> }]} />;
}

import type { Notebook } from '../../../lib/nbformat';
import { FilesPanel } from './files-panel';
import { RevisionsPanel } from './revisions-panel';
import { SidePanel } from './side-panel';

/** The open notebook's side panels (right sidebar): its files and its revisions. */
export function EditorSidePanels(props: {
  notebookId: string;
  /** The document as the editor shows it now (for "changes vs current"). */
  current: () => Notebook;
  saveNow: () => Promise<unknown>;
  canSave: boolean;
  /** A revision was restored: reload the notebook. */
  onRestored: () => void;
}) {
  return (
    <SidePanel
      tabs={[
        { id: 'files', label: 'Files', render: () => <FilesPanel notebookId={props.notebookId} /> },
        { id: 'revisions', label: 'Revisions', render: () => <RevisionsPanel {...props} /> },
      ]}
    />
  );
}

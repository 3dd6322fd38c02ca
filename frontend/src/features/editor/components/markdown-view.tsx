import { memo, useMemo } from 'react';
import { renderMarkdown } from '../../../lib/markdown';
import type { MimeBundle } from '../../../lib/nbformat';
import { useFileResolver } from './notebook-files-context';

export const MarkdownView = memo(function MarkdownView({
  source,
  attachments,
  onEdit,
}: {
  source: string;
  attachments?: Record<string, MimeBundle>;
  /** Double-click to edit; absent in a read-only notebook. */
  onEdit?: () => void;
}) {
  const resolveFile = useFileResolver();
  const html = useMemo(() => renderMarkdown(source, attachments, resolveFile), [source, attachments, resolveFile]);
  return (
    <div className="markdown-view" onDoubleClick={onEdit} data-testid="markdown-rendered">
      {source.trim() ? (
        <div dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <p className="muted">Empty Markdown cell{onEdit ? ' — double-click to edit' : ''}.</p>
      )}
    </div>
  );
});

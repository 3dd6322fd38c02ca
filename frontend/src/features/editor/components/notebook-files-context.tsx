import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { FileUrlResolver } from '../../../lib/markdown';
import { notebookFileUrl, useNotebookFiles } from '../api/notebook-files';

const FileResolverContext = createContext<FileUrlResolver | undefined>(undefined);

/**
 * Gives Markdown cells of the open notebook a resolver for relative paths (`![](logo.png)`): a path names one of the
 * notebook's files and is served by the files API. The URL carries the file's content hash (`?v=`), so a replaced
 * file shows at once and an unchanged one comes from the browser cache (the server answers 304 to its ETag). Paths
 * not among the files still resolve (the image shows as broken, as in JupyterLab); the list loads in the background.
 */
export function NotebookFilesProvider({ notebookId, children }: { notebookId: string; children: ReactNode }) {
  const files = useNotebookFiles(notebookId);
  const resolver = useMemo<FileUrlResolver>(() => {
    const versions = new Map((files.data ?? []).map((f) => [f.path, f.sha256.slice(0, 16)]));
    return (path) => {
      const v = versions.get(path);
      return `${notebookFileUrl(notebookId, path)}${v ? `?v=${v}` : ''}`;
    };
  }, [notebookId, files.data]);
  return <FileResolverContext.Provider value={resolver}>{children}</FileResolverContext.Provider>;
}

/** The open notebook's file resolver (undefined outside a notebook). */
export const useFileResolver = () => useContext(FileResolverContext);

import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';

/** A notebook's folder of files: GET/PUT/DELETE /api/notebooks/:id/files[/<path>]. */
export const NotebookFileSchema = z.object({
  path: z.string(),
  size: z.number(),
  sha256: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  updatedByName: z.string().optional(),
});
export type NotebookFile = z.infer<typeof NotebookFileSchema>;
const FileListSchema = z.object({ files: z.array(NotebookFileSchema) }).transform((v) => v.files);

export const notebookFilesKey = (notebookId: string) => [...queryKeys.notebook(notebookId), 'files'] as const;

/** The URL a file is served at (each path segment escaped; sub-folders kept). */
export const notebookFileUrl = (notebookId: string, path: string) =>
  `/api/notebooks/${encodeURIComponent(notebookId)}/files/${path.split('/').map(encodeURIComponent).join('/')}`;

export const getNotebookFiles = (notebookId: string) =>
  api(`/api/notebooks/${encodeURIComponent(notebookId)}/files`, {}, FileListSchema);

export const notebookFilesQueryOptions = (notebookId: string) =>
  queryOptions({ queryKey: notebookFilesKey(notebookId), queryFn: () => getNotebookFiles(notebookId) });

export const useNotebookFiles = (notebookId: string) => useQuery(notebookFilesQueryOptions(notebookId));

export const uploadNotebookFile = (notebookId: string, path: string, body: Blob) =>
  api(
    notebookFileUrl(notebookId, path),
    { method: 'PUT', raw: body, contentType: body.type || undefined },
    NotebookFileSchema,
  );

export const deleteNotebookFile = (notebookId: string, path: string) =>
  api<void>(notebookFileUrl(notebookId, path), { method: 'DELETE' });

export function useUploadNotebookFile(notebookId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ path, body }: { path: string; body: Blob }) => uploadNotebookFile(notebookId, path, body),
    onSettled: () => qc.invalidateQueries({ queryKey: notebookFilesKey(notebookId) }),
  });
}

export function useDeleteNotebookFile(notebookId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (path: string) => deleteNotebookFile(notebookId, path),
    onSettled: () => qc.invalidateQueries({ queryKey: notebookFilesKey(notebookId) }),
  });
}

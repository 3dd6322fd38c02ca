import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';
import { NotebookSummarySchema } from './notebook-summary.schema';

/** The notebook name for an uploaded file: its base name without `.ipynb`. */
export const nameFromFilename = (filename: string): string => filename.replace(/\.ipynb$/i, '').trim() || 'Untitled';

/**
 * `POST /api/notebooks/import?name=` with the file as the raw body. The content type is the .ipynb media type (not
 * application/json) so the server's JSON body parser and its smaller limit leave the upload alone.
 */
export const importNotebook = (file: File) =>
  api(
    '/api/notebooks/import',
    {
      method: 'POST',
      raw: file,
      contentType: 'application/x-ipynb+json',
      query: { name: nameFromFilename(file.name) },
    },
    NotebookSummarySchema,
  );

export function useImportNotebook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: importNotebook,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notebooks }),
  });
}

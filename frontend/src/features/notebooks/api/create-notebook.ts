import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';
import { NotebookSummarySchema } from './notebook-summary.schema';

export const createNotebook = (input: { name: string }) =>
  api('/api/notebooks', { method: 'POST', json: input }, NotebookSummarySchema);

export function useCreateNotebook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createNotebook,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notebooks }),
  });
}

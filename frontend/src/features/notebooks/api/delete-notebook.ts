import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';

export const deleteNotebook = (id: string) => api(`/api/notebooks/${encodeURIComponent(id)}`, { method: 'DELETE' });

export function useDeleteNotebook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteNotebook,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notebooks }),
  });
}

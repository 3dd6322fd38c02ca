import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { kernelsQueryKey } from './get-kernels';

export const shutdownKernel = (id: string) => api(`/api/kernels/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const shutdownAllKernels = () => api('/api/kernels', { method: 'DELETE' });

export function useShutdownKernel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: shutdownKernel,
    onSettled: () => qc.invalidateQueries({ queryKey: kernelsQueryKey }),
  });
}

export function useShutdownAllKernels() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: shutdownAllKernels,
    onSettled: () => qc.invalidateQueries({ queryKey: kernelsQueryKey }),
  });
}

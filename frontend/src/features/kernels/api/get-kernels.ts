import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';

/** One live kernel session (GET /api/kernels; backend kernels/sessions/running-kernels.service.ts). */
export const RunningKernelSchema = z.object({
  id: z.string(),
  notebookId: z.string(),
  notebookName: z.string().nullable(),
  userId: z.string(),
  userName: z.string().nullable(),
  kernelId: z.string().nullable(),
  executionState: z.string(),
  connections: z.number(),
  startedAt: z.string().nullable(),
  lastActivity: z.string(),
  memoryBytes: z.number().nullable(),
});
export type RunningKernel = z.infer<typeof RunningKernelSchema>;

const RunningKernelsSchema = z.object({ kernels: z.array(RunningKernelSchema) });

export const kernelsQueryKey = ['kernels'] as const;

export const getKernels = async () => (await api('/api/kernels', {}, RunningKernelsSchema)).kernels;

/** Refreshed every few seconds while shown: execution states and memory change under the panel. */
export const kernelsQueryOptions = () =>
  queryOptions({ queryKey: kernelsQueryKey, queryFn: getKernels, refetchInterval: 5_000, staleTime: 0 });

export const useKernels = () => useQuery(kernelsQueryOptions());

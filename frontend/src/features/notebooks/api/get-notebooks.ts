import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';
import { NotebookListSchema } from './notebook-summary.schema';

export const getNotebooks = () => api('/api/notebooks', {}, NotebookListSchema);

export const notebooksQueryOptions = () => queryOptions({ queryKey: queryKeys.notebooks, queryFn: getNotebooks });

export const useNotebooks = () => useQuery(notebooksQueryOptions());

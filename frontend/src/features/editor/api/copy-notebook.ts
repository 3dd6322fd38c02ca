import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { MAX_NOTEBOOK_NAME } from '../../../lib/contracts';
import type { Notebook } from '../../../lib/nbformat';
import { queryKeys } from '../../../lib/query-client';

/** The name of a copy: "Copy of <name>", cut to the longest name the API takes. */
export const copyName = (name: string) => `Copy of ${name}`.slice(0, MAX_NOTEBOOK_NAME).trimEnd();

/** "Make a copy": a new private notebook of the caller's with this content (the server makes the name unique). */
export const copyNotebook = (input: { name: string; content: Notebook }) =>
  api('/api/notebooks', { method: 'POST', json: input }, z.object({ id: z.string(), name: z.string() }));

export function useCopyNotebook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: copyNotebook,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notebooks, exact: true }),
  });
}

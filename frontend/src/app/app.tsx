import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router-dom';
import { meQueryOptions } from '../features/auth/api/get-me';
import { createQueryClient } from '../lib/query-client';
import { router } from './router';

export function App() {
  const [queryClient] = useState(() => {
    const client = createQueryClient();
    // Asked before the router has even loaded the page's chunk (RequireAuth would ask only after).
    void client.prefetchQuery(meQueryOptions());
    return client;
  });
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}

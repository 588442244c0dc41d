import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory, createRouter, RouterProvider } from '@tanstack/react-router';
import { render } from '@testing-library/react';
import { routeTree } from '../../web/src/router.tsx';

/** Renders the dashboard at `url` (under /admin) with a fresh query cache, as the browser would. */
export function renderAt(url: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createRouter({ routeTree, basepath: '/admin', history: createMemoryHistory({ initialEntries: [url] }), context: { queryClient } });
  return { ...render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  ), router };
}

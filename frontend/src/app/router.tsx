import { createBrowserRouter, Navigate } from 'react-router-dom';
import { AppLayout } from './app-layout';
import { RequireAuth } from './require-auth';
import { LoginPage } from './routes/login-page';
import { AccountPage } from './routes/account-page';
import { AuditPage } from './routes/audit-page';
import { KernelsPage } from './routes/kernels-page';
import { NotebooksPage } from './routes/notebooks-page';
import { SetPasswordPage } from './routes/set-password-page';
import { UsersPage } from './routes/users-page';
import { RouteError } from './route-error';

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
  // Public: the page of a one-time invitation or reset link (the secret is the URL's fragment).
  { path: '/set-password', element: <SetPasswordPage />, errorElement: <RouteError /> },
  {
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/notebooks" replace /> },
      { path: '/notebooks', element: <NotebooksPage /> },
      { path: '/kernels', element: <KernelsPage /> },
      { path: '/audit', element: <AuditPage /> },
      { path: '/users', element: <UsersPage /> },
      { path: '/account', element: <AccountPage /> },
      // The editor (and Monaco with it) is its own chunk: the login and list pages never load it.
      {
        path: '/notebooks/:id',
        lazy: () => import('./routes/notebook-page').then((m) => ({ Component: m.NotebookPage })),
      },
      { path: '*', element: <Navigate to="/notebooks" replace /> },
    ],
  },
]);

import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ErrorMessage } from '../components/ui/error-message';
import { Spinner } from '../components/ui/spinner';
import { useMe } from '../features/auth/api/get-me';
import { isApiError } from '../lib/api-client';

/** The `GET /api/me` gate: no session → /login (coming back here after signing in). */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Spinner />;
  if (me.isError) {
    if (isApiError(me.error, 401)) {
      const next = encodeURIComponent(location.pathname + location.search);
      return <Navigate to={`/login?next=${next}`} replace />;
    }
    return <ErrorMessage title="Folio is not reachable." error={me.error} onRetry={() => void me.refetch()} />;
  }
  return children;
}

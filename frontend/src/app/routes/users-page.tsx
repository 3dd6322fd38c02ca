import { Navigate } from 'react-router-dom';
import { useMe } from '../../features/auth/api/get-me';
import { UsersAdmin } from '../../features/users/components/users-admin';

export function UsersPage() {
  const me = useMe();
  if (!me.data) return null;
  if (me.data.role !== 'admin') return <Navigate to="/notebooks" replace />;
  return <UsersAdmin meId={me.data.id} />;
}

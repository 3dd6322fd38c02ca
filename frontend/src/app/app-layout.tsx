import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useMe } from '../features/auth/api/get-me';
import { UserMenu } from '../features/auth/components/user-menu';

export function AppLayout() {
  const me = useMe();
  const navigate = useNavigate();
  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/notebooks" className="brand">
          Folio
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/notebooks" end={false} data-testid="nav-notebooks">
            Notebooks
          </NavLink>
          <NavLink to="/kernels" data-testid="nav-kernels">
            Kernels
          </NavLink>
          {me.data?.role === 'admin' && (
            <>
              <NavLink to="/users" data-testid="nav-users">
                Users
              </NavLink>
              <NavLink to="/audit" data-testid="nav-audit">
                Audit
              </NavLink>
            </>
          )}
        </nav>
        <div className="topbar-spacer" />
        {me.data && <UserMenu user={me.data} onSignedOut={() => navigate('/login', { replace: true })} />}
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}

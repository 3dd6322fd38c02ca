import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '../../../components/ui/button';
import type { Principal } from '../api/get-me';
import { useLogout } from '../api/logout';

export function UserMenu({ user, onSignedOut }: { user: Principal; onSignedOut: () => void }) {
  const [open, setOpen] = useState(false);
  const logout = useLogout();
  return (
    <div className="user-menu" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setOpen(false)}>
      <Button
        variant="ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="user-menu"
      >
        {user.name || user.email} ▾
      </Button>
      {open && (
        <div className="user-menu-popup" role="menu">
          <div className="user-menu-who">
            <div>{user.email}</div>
            <div className="muted">{user.role}</div>
          </div>
          <Link
            role="menuitem"
            className="btn btn-ghost"
            to="/account"
            onClick={() => setOpen(false)}
            data-testid="nav-account"
          >
            Account and API tokens
          </Link>
          <Button
            role="menuitem"
            variant="ghost"
            data-testid="sign-out"
            onClick={() => logout.mutate(undefined, { onSettled: onSignedOut })}
          >
            Sign out
          </Button>
        </div>
      )}
    </div>
  );
}

import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { tokenFromFragment } from '../../features/auth/components/link-token';
import { SetPasswordForm } from '../../features/auth/components/set-password-form';

/**
 * /set-password#<secret>: a one-time link from an invitation or a reset (public: no session needed). The secret is
 * kept in memory and dropped from the address bar at once, so it does not stay in the browser's history.
 */
export function SetPasswordPage() {
  const navigate = useNavigate();
  const { hash } = useLocation();
  const [token] = useState(() => tokenFromFragment(hash));
  useEffect(() => window.history.replaceState(window.history.state, '', '/set-password'), []);
  return (
    <div className="login-page">
      <div className="login-card">
        <h1>Folio</h1>
        <SetPasswordForm token={token} onSignedIn={() => navigate('/notebooks', { replace: true })} />
      </div>
    </div>
  );
}

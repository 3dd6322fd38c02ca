import { useNavigate, useSearchParams } from 'react-router-dom';
import { LoginForm } from '../../features/auth/components/login-form';

/** Only same-app paths are honoured as `?next=` (no open redirect). */
const safeNext = (next: string | null) =>
  next && next.startsWith('/') && !next.startsWith('//') ? next : '/notebooks';

export function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (
    <div className="login-page">
      <div className="login-card">
        <h1>Folio</h1>
        <p className="muted">Sign in to your notebooks and apps.</p>
        <LoginForm onSuccess={() => navigate(safeNext(params.get('next')), { replace: true })} />
      </div>
    </div>
  );
}

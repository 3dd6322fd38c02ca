import { useNavigate, useSearchParams } from 'react-router-dom';
import { Spinner } from '../../components/ui/spinner';
import { useAuthConfig } from '../../features/auth/api/get-auth-config';
import { LoginForm } from '../../features/auth/components/login-form';
import { SsoSignIn } from '../../features/auth/components/sso-sign-in';

/** Only same-app paths are honoured as `?next=` (no open redirect). */
const safeNext = (next: string | null) =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/notebooks';

export function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const config = useAuthConfig();
  // If asking for the methods fails, the password form is shown (the server says itself when it is off).
  const password = config.data?.password ?? true;
  const oidc = config.data?.oidc ?? null;
  return (
    <div className="login-page">
      <div className="login-card">
        <h1>Folio</h1>
        <p className="muted">Sign in to your notebooks and apps.</p>
        {config.isPending ? (
          <Spinner />
        ) : (
          <>
            {oidc && (
              <SsoSignIn provider={oidc.name} loginUrl={oidc.loginUrl} next={next} error={params.get('sso_error')} />
            )}
            {oidc && password && <p className="login-or muted">or</p>}
            {password && <LoginForm onSuccess={() => navigate(next, { replace: true })} />}
          </>
        )}
      </div>
    </div>
  );
}

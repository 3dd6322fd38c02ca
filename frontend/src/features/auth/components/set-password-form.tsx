import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { isApiError } from '../../../lib/api-client';
import { useLinkInfo, useSetPassword } from '../api/set-password';
import { useLogin } from '../api/login';
import { usePasswordFields } from './password-fields';

/**
 * The page of a one-time set-password link (an invitation or an admin's reset). The secret is the URL's fragment, so
 * it never reaches a server log; the link is checked first (used or expired links say so), and once the password is
 * set the person is signed in with it.
 */
export function SetPasswordForm({ token, onSignedIn }: { token: string; onSignedIn: () => void }) {
  const info = useLinkInfo(token);
  const setPassword = useSetPassword();
  const login = useLogin();
  const pw = usePasswordFields();
  const [tried, setTried] = useState(false);

  if (!token) return <LinkProblem text="This link is incomplete. Open the whole link you were given." />;
  if (info.isPending) return <Spinner label="Checking the link…" />;
  if (info.isError) {
    if (isApiError(info.error, 404) || isApiError(info.error, 400))
      return <LinkProblem text="This link was used already or has expired. Ask your administrator for a new one." />;
    return <ErrorMessage title="Could not check the link." error={info.error} onRetry={() => void info.refetch()} />;
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (pw.problem) return;
    const signIn = () => login.mutate({ email: info.data.email, password: pw.next }, { onSuccess: onSignedIn });
    // The link works once: after it has set the password, a retry only signs in again.
    if (setPassword.isSuccess) signIn();
    else setPassword.mutate({ token, password: pw.next }, { onSuccess: signIn });
  };

  const error = (tried && pw.problem) || (setPassword.error as Error | null)?.message || null;
  return (
    <form className="login-form" onSubmit={submit} noValidate aria-label="Choose a password">
      <p data-testid="set-password-for">
        {info.data.purpose === 'invite' ? 'Welcome' : 'New password for'} <strong>{info.data.email}</strong>
        {info.data.purpose === 'invite' ? ': choose your password.' : '.'}
      </p>
      {pw.fields}
      {error && (
        <p className="form-error" role="alert" data-testid="set-password-error">
          {error}
        </p>
      )}
      {login.isError && <ErrorMessage title="Your password is set, but signing in failed:" error={login.error} />}
      <Button
        variant="primary"
        type="submit"
        disabled={setPassword.isPending || login.isPending}
        data-testid="set-password-submit"
      >
        {setPassword.isPending || login.isPending
          ? 'Saving…'
          : setPassword.isSuccess
            ? 'Sign in'
            : 'Set password and sign in'}
      </Button>
    </form>
  );
}

function LinkProblem({ text }: { text: string }) {
  return (
    <p className="form-error" role="alert" data-testid="set-password-problem">
      {text}
    </p>
  );
}

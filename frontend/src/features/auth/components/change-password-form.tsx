import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { useChangePassword } from '../api/set-password';
import { usePasswordFields } from './password-fields';

/** PUT /api/me/password: the current password, the new one twice. The other sessions of the account end. */
export function ChangePasswordForm() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const pw = usePasswordFields();
  const [tried, setTried] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!current || pw.problem) return;
    change.mutate(
      { current, next: pw.next },
      {
        onSuccess: () => {
          setCurrent('');
          pw.clear();
          setTried(false);
        },
      },
    );
  };

  // The server names what is wrong (the current password, an account without one, too many attempts).
  const serverError = change.isError ? change.error.message : null;
  const error = (tried && (!current ? 'Enter your current password.' : pw.problem)) || serverError;
  return (
    <form className="stack-form narrow-form" onSubmit={submit} noValidate aria-label="Change password">
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          data-testid="current-password"
        />
      </label>
      {pw.fields}
      {error && (
        <p className="form-error" role="alert" data-testid="change-password-error">
          {error}
        </p>
      )}
      {change.isSuccess && (
        <p className="info-box" role="status" data-testid="change-password-done">
          Password changed. Your other sessions were signed out.
        </p>
      )}
      <div>
        <Button variant="primary" type="submit" disabled={change.isPending} data-testid="change-password-submit">
          {change.isPending ? 'Changing…' : 'Change password'}
        </Button>
      </div>
    </form>
  );
}

import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { isApiError } from '../../../lib/api-client';
import { LoginInputSchema, useLogin } from '../api/login';

function loginErrorText(e: unknown): string {
  if (isApiError(e, 401)) return 'Wrong email or password.';
  if (isApiError(e, 429)) return 'Too many attempts. Wait a moment and try again.';
  return e instanceof Error ? e.message : 'Sign-in failed.';
}

export function LoginForm({ onSuccess }: { onSuccess: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const login = useLogin();

  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = LoginInputSchema.safeParse({ email, password });
    if (!parsed.success) {
      setFieldError(parsed.error.issues[0]?.message ?? 'Check the form.');
      return;
    }
    setFieldError(null);
    login.mutate(parsed.data, { onSuccess });
  };

  const error = fieldError ?? (login.isError ? loginErrorText(login.error) : null);
  return (
    <form className="login-form" onSubmit={handleSubmit} noValidate aria-label="Sign in">
      <label>
        Email
        <input
          type="email"
          name="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="login-email"
          autoFocus
        />
      </label>
      <label>
        Password
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="login-password"
        />
      </label>
      {error && (
        <p className="form-error" role="alert" data-testid="login-error">
          {error}
        </p>
      )}
      <Button variant="primary" type="submit" disabled={login.isPending} data-testid="login-submit">
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}

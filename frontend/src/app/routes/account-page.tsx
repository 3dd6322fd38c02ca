import { useMe } from '../../features/auth/api/get-me';
import { ChangePasswordForm } from '../../features/auth/components/change-password-form';
import { ApiTokens } from '../../features/tokens/components/api-tokens';
import { useUsers } from '../../features/users/api/users';

/** The signed-in person's own settings: who they are, their password, their API tokens. */
export function AccountPage() {
  const me = useMe();
  const isAdmin = me.data?.role === 'admin';
  // Admins may make tokens for other enabled accounts (service accounts, typically).
  const users = useUsers(isAdmin);
  if (!me.data) return null;
  const owners = users.data?.filter((u) => !u.disabled);
  return (
    <section className="page account-page" data-testid="account-page" aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <p data-testid="account-who">
        {me.data.name ? `${me.data.name} · ` : ''}
        {me.data.email} · <span className="badge">{me.data.role}</span>
      </p>
      <h2>Password</h2>
      <ChangePasswordForm />
      <ApiTokens me={me.data} owners={owners} />
    </section>
  );
}

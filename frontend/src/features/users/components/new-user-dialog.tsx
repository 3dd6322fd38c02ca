import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog } from '../../../components/ui/dialog';
import { isApiError } from '../../../lib/api-client';
import { useCreateUser, type NewUser, type Role, type SetPasswordLink, type UserSummary } from '../api/users';

type Kind = 'invite' | 'password' | 'service';

const ROLE_HELP: Record<Role, string> = {
  admin: 'Everything: users, every notebook, audit.',
  author: 'Writes notebooks and publishes apps.',
  viewer: 'Opens the apps shared with them, runs them with parameters.',
};

/** The server's message for a refused account, with the field it names (400 `details.field`, 409 for a taken email). */
function refusal(e: unknown): string {
  if (isApiError(e, 409)) return e.message || 'An account with this email already exists.';
  return e instanceof Error ? e.message : 'The account could not be created.';
}

/**
 * A new account: an invitation (the default — the person chooses their password from a one-time link the admin
 * passes on), a password set now, or a service account (no password; it acts through API tokens an admin makes).
 */
export function NewUserDialog({
  onCreated,
  onClose,
}: {
  onCreated: (user: UserSummary, invite: SetPasswordLink | undefined) => void;
  onClose: () => void;
}) {
  const create = useCreateUser();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('author');
  const [kind, setKind] = useState<Kind>('invite');
  const [password, setPassword] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input: NewUser = { email: email.trim(), role };
    if (name.trim()) input.name = name.trim();
    if (kind === 'password') input.password = password;
    if (kind === 'service') input.serviceAccount = true;
    create.mutate(input, { onSuccess: ({ user, invite }) => onCreated(user, invite) });
  };

  return (
    <Dialog title="New user" onClose={onClose} className="form-dialog" testId="new-user-dialog">
      <form className="stack-form" onSubmit={submit} noValidate>
        <label>
          Email
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            data-testid="new-user-email"
          />
        </label>
        <label>
          Name <span className="muted">(optional: the part of the email before the @)</span>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="new-user-name" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="new-user-role">
            <option value="author">Author</option>
            <option value="viewer">Viewer</option>
            <option value="admin">Admin</option>
          </select>
          <span className="muted">{ROLE_HELP[role]}</span>
        </label>
        <fieldset className="choice-group">
          <legend>Sign-in</legend>
          <label className="inline-label">
            <input
              type="radio"
              checked={kind === 'invite'}
              onChange={() => setKind('invite')}
              data-testid="kind-invite"
            />
            Invite: they choose a password from a one-time link you pass on
          </label>
          <label className="inline-label">
            <input
              type="radio"
              checked={kind === 'password'}
              onChange={() => setKind('password')}
              data-testid="kind-password"
            />
            Set a password now
          </label>
          <label className="inline-label">
            <input
              type="radio"
              checked={kind === 'service'}
              onChange={() => setKind('service')}
              data-testid="kind-service"
            />
            Service account: no password, acts through API tokens (schedulers, scripts)
          </label>
        </fieldset>
        {kind === 'password' && (
          <label>
            Password <span className="muted">(at least 8 characters)</span>
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="new-user-password"
            />
          </label>
        )}
        {create.isError && (
          <p className="form-error" role="alert" data-testid="new-user-error">
            {refusal(create.error)}
          </p>
        )}
        <div className="modal-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={create.isPending} data-testid="new-user-submit">
            {create.isPending ? 'Creating…' : 'Create user'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

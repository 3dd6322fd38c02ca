import { useState } from 'react';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Dialog } from '../../../components/ui/dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { ShownOnce } from '../../../components/ui/shown-once';
import { Spinner } from '../../../components/ui/spinner';
import { formatWhen } from '../../../lib/format';
import {
  useEndSessions,
  useResetPassword,
  useUpdateUser,
  useUsers,
  type Role,
  type SetPasswordLink,
  type UserSummary,
} from '../api/users';
import { NewUserDialog } from './new-user-dialog';
import { sortUsers, userStatus } from './user-status';

/** An action that asks first: disabling locks the person out at once; a reset stops their password working. */
type Asking = { kind: 'disable' | 'reset' | 'end-sessions'; user: UserSummary };

/** A link to pass on, shown once: after creating an invited account or resetting a password. */
type ShownLink = { user: Pick<UserSummary, 'email'>; link: SetPasswordLink };

/**
 * The admins' Users page: every account with its role, status, last sign-in and live sessions; create (invite, set a
 * password, or a service account), change a role, disable/enable, reset a password, end all sessions. The server
 * enforces the rules (the last enabled admin stays; a role change or disable ends the person's sessions and open
 * sockets at once) and answers each refusal with its reason, shown here.
 */
export function UsersAdmin({ meId }: { meId: string }) {
  const users = useUsers();
  const update = useUpdateUser();
  const reset = useResetPassword();
  const endSessions = useEndSessions();
  const [creating, setCreating] = useState(false);
  const [asking, setAsking] = useState<Asking | null>(null);
  const [shown, setShown] = useState<ShownLink | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const failure = update.error ?? reset.error ?? endSessions.error;
  const rows = sortUsers(users.data ?? []);
  // Each action starts clean: the message on screen is about the last thing done, not an earlier refusal.
  const begin = () => {
    setNotice(null);
    update.reset();
    reset.reset();
    endSessions.reset();
  };

  const setRole = (u: UserSummary, role: Role) => {
    begin();
    update.mutate(
      { id: u.id, change: { role } },
      {
        onSuccess: () => setNotice(`${u.email} is now ${role === 'admin' ? 'an' : 'a'} ${role}; their sessions ended.`),
      },
    );
  };

  const confirm = () => {
    if (!asking) return;
    const { kind, user } = asking;
    const done = () => setAsking(null);
    begin();
    if (kind === 'disable') update.mutate({ id: user.id, change: { disabled: true } }, { onSettled: done });
    else if (kind === 'reset')
      reset.mutate(user.id, { onSuccess: (link) => setShown({ user, link }), onSettled: done });
    else
      endSessions.mutate(user.id, {
        onSuccess: (n) => setNotice(`${n === 1 ? '1 session' : `${n} sessions`} of ${user.email} ended.`),
        onSettled: done,
      });
  };

  return (
    <section className="page users-admin" data-testid="users-admin" aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        <div className="topbar-spacer" />
        <Button
          variant="primary"
          onClick={() => {
            begin();
            setCreating(true);
          }}
          data-testid="new-user"
        >
          New user
        </Button>
      </div>
      <p className="muted">
        Admins manage everything; authors write notebooks and publish apps; viewers open the apps shared with them.
        Changing someone&apos;s role or disabling them signs them out everywhere at once.
      </p>
      {failure && <ErrorMessage title="Not done:" error={failure} />}
      {notice && (
        <p className="info-box" role="status" data-testid="users-notice">
          {notice}
        </p>
      )}
      {users.isPending ? (
        <Spinner label="Loading users…" />
      ) : users.isError ? (
        <ErrorMessage title="Could not load the users." error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <table className="notebook-table users-table" data-testid="user-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Status</th>
              <th>Last sign-in</th>
              <th>Sessions</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <UserRow
                key={u.id}
                user={u}
                isMe={u.id === meId}
                busy={update.isPending && update.variables?.id === u.id}
                onRole={(role) => setRole(u, role)}
                onEnable={() => {
                  begin();
                  update.mutate({ id: u.id, change: { disabled: false } });
                }}
                onAsk={(kind) => setAsking({ kind, user: u })}
              />
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <NewUserDialog
          onClose={() => setCreating(false)}
          onCreated={(user, invite) => {
            setCreating(false);
            if (invite) setShown({ user, link: invite });
            else setNotice(`${user.email} was created.`);
          }}
        />
      )}
      {asking && (
        <ConfirmDialog
          title={CONFIRM[asking.kind].title(asking.user)}
          confirmLabel={CONFIRM[asking.kind].label}
          busy={update.isPending || reset.isPending || endSessions.isPending}
          onCancel={() => setAsking(null)}
          onConfirm={confirm}
        >
          <p>{CONFIRM[asking.kind].body}</p>
        </ConfirmDialog>
      )}
      {shown && (
        <Dialog title="Pass this link on" onClose={() => setShown(null)} testId="link-dialog">
          <ShownOnce
            label={`${shown.link.purpose === 'invite' ? 'Invitation' : 'Password reset'} link for ${shown.user.email}`}
            value={shown.link.url}
            note={`It works once, until ${new Date(shown.link.expiresAt).toLocaleString()}. It is not shown again: a new link can be made with Reset password.`}
            testId="set-password-link"
          />
          <div className="modal-actions">
            <Button variant="primary" onClick={() => setShown(null)} data-testid="link-done">
              Done
            </Button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

const CONFIRM: Record<Asking['kind'], { title: (u: UserSummary) => string; label: string; body: string }> = {
  disable: {
    title: (u) => `Disable ${u.email}?`,
    label: 'Disable',
    body: 'They are signed out at once; their API tokens and open notebooks stop working. Their notebooks, apps and history stay, and you can enable the account again.',
  },
  reset: {
    title: (u) => `Reset the password of ${u.email}?`,
    label: 'Reset password',
    body: 'Their current password stops working and they are signed out. You get a one-time link to pass on, from which they choose a new password.',
  },
  'end-sessions': {
    title: (u) => `Sign ${u.email} out everywhere?`,
    label: 'End sessions',
    body: 'Every browser session of this account ends now; open notebooks and streams close. API tokens keep working (revoke them on the API tokens page).',
  },
};

function UserRow({
  user: u,
  isMe,
  busy,
  onRole,
  onEnable,
  onAsk,
}: {
  user: UserSummary;
  isMe: boolean;
  busy: boolean;
  onRole: (role: Role) => void;
  onEnable: () => void;
  onAsk: (kind: Asking['kind']) => void;
}) {
  const status = userStatus(u);
  return (
    <tr data-testid="user-row" data-email={u.email} data-status={status.kind}>
      <td>
        <div>
          {u.name || u.email}
          {isMe && <span className="badge badge-muted">you</span>}
        </div>
        <div className="muted">{u.email}</div>
      </td>
      <td>
        <select
          aria-label={`Role of ${u.email}`}
          value={u.role}
          disabled={busy}
          onChange={(e) => onRole(e.target.value as Role)}
          data-testid="user-role"
        >
          <option value="admin">Admin</option>
          <option value="author">Author</option>
          <option value="viewer">Viewer</option>
        </select>
      </td>
      <td>
        <span className={`user-status user-status-${status.kind}`} data-testid="user-status">
          {status.label}
        </span>
      </td>
      <td className="muted" title={u.lastLoginAt ?? ''}>
        {u.lastLoginAt ? formatWhen(u.lastLoginAt) : 'Never'}
      </td>
      <td className="muted" data-testid="user-sessions">
        {u.sessions}
      </td>
      <td className="row-actions">
        <Button
          variant="ghost"
          onClick={() => onAsk('reset')}
          disabled={u.disabled || isMe}
          title={isMe ? 'Change your own password on the Account page' : undefined}
          data-testid="user-reset"
        >
          Reset password
        </Button>
        <Button
          variant="ghost"
          onClick={() => onAsk('end-sessions')}
          disabled={u.sessions === 0 || isMe}
          title={isMe ? 'Sign out from the user menu' : undefined}
          data-testid="user-end-sessions"
        >
          End sessions
        </Button>
        {u.disabled ? (
          <Button variant="ghost" onClick={onEnable} disabled={busy} data-testid="user-enable">
            Enable
          </Button>
        ) : (
          <Button
            variant="ghost"
            onClick={() => onAsk('disable')}
            disabled={busy || isMe}
            title={isMe ? 'You cannot disable your own account' : undefined}
            data-testid="user-disable"
          >
            Disable
          </Button>
        )}
      </td>
    </tr>
  );
}

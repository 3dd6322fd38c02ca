import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Dialog } from '../../../components/ui/dialog';
import { ErrorMessage } from '../../../components/ui/error-message';
import { ShownOnce } from '../../../components/ui/shown-once';
import { Spinner } from '../../../components/ui/spinner';
import { SCOPE_DESCRIPTIONS, TOKEN_EXPIRY, type Role, type TokenScope } from '../../../lib/contracts';
import { formatWhen } from '../../../lib/format';
import { useCreateToken, useRevokeToken, useTokens, type CreatedToken, type TokenView } from '../api/tokens';
import { EXPIRY_CHOICES, expiresIn, scopesFor } from './token-rules';

/** Someone a token can act as (admins choose; everyone else makes their own). */
export interface TokenOwner {
  id: string;
  email: string;
  role: Role;
}

/**
 * API tokens, for scripts and schedulers (Airflow, Control-M) calling the API with `Authorization: Bearer`: make one
 * with a name, scopes and a lifetime — its secret is shown this once — see when each was last used, revoke at once.
 * Admins also see everyone's tokens and make tokens for other accounts (a service account, typically).
 */
export function ApiTokens({ me, owners }: { me: TokenOwner; owners?: TokenOwner[] }) {
  const isAdmin = me.role === 'admin';
  const [all, setAll] = useState(false);
  const tokens = useTokens(isAdmin && all);
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const rows = tokens.data ?? [];

  return (
    <section className="api-tokens" data-testid="api-tokens" aria-labelledby="tokens-title">
      <div className="page-head">
        <h2 id="tokens-title">API tokens</h2>
        {isAdmin && (
          <label className="inline-label">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} data-testid="tokens-all" />
            Everyone&apos;s tokens
          </label>
        )}
        <div className="topbar-spacer" />
        <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-token">
          New token
        </Button>
      </div>
      <p className="muted">
        Send a token as <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as its owner, limited to its
        scopes, and stops working when it expires, is revoked, or its owner is disabled.
      </p>
      {revoke.isError && <ErrorMessage title="Could not revoke:" error={revoke.error} />}
      {tokens.isPending ? (
        <Spinner label="Loading tokens…" />
      ) : tokens.isError ? (
        <ErrorMessage title="Could not load the tokens." error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : rows.length === 0 ? (
        <p className="empty" data-testid="no-tokens">
          No API tokens yet. Make one for a script or a scheduler that calls Folio.
        </p>
      ) : (
        <table className="notebook-table" data-testid="token-list">
          <thead>
            <tr>
              <th>Name</th>
              {all && <th>Owner</th>}
              <th>Scopes</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-testid="token-row" data-name={t.name} data-status={t.status}>
                <td>{t.name}</td>
                {all && <td className="muted">{t.user?.email ?? '(deleted user)'}</td>}
                <td>
                  {t.scopes.map((s) => (
                    <span key={s} className="tag tag-static" title={SCOPE_DESCRIPTIONS[s]}>
                      {s}
                    </span>
                  ))}
                </td>
                <td className="muted" title={t.createdAt}>
                  {formatWhen(t.createdAt)}
                </td>
                <td className="muted" title={t.lastUsedAt ?? ''}>
                  {t.lastUsedAt ? formatWhen(t.lastUsedAt) : 'Never'}
                </td>
                <td className={t.status === 'active' ? 'muted' : 'token-over'} title={t.expiresAt}>
                  {t.status === 'revoked' ? 'Revoked' : expiresIn(t.expiresAt)}
                </td>
                <td className="row-actions">
                  {t.status === 'active' && (
                    <Button variant="ghost" onClick={() => setRevoking(t)} data-testid="revoke-token">
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && (
        <NewTokenDialog
          me={me}
          owners={isAdmin ? owners : undefined}
          onClose={() => setCreating(false)}
          onCreated={(t) => {
            setCreating(false);
            setCreated(t);
          }}
        />
      )}
      {created && (
        <Dialog title={`Token “${created.name}” created`} onClose={() => setCreated(null)} testId="token-created">
          <ShownOnce
            label="Your new token"
            value={created.token}
            note="Copy it now and keep it in your scheduler's secret store: Folio keeps only a hash and cannot show it again."
            testId="token-secret"
          />
          <div className="modal-actions">
            <Button variant="primary" onClick={() => setCreated(null)} data-testid="token-done">
              Done
            </Button>
          </div>
        </Dialog>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke"
          busy={revoke.isPending}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate(revoking.id, { onSettled: () => setRevoking(null) })}
        >
          <p>It stops working at once, also for connections open with it. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function NewTokenDialog({
  me,
  owners,
  onCreated,
  onClose,
}: {
  me: TokenOwner;
  owners: TokenOwner[] | undefined;
  onCreated: (t: CreatedToken) => void;
  onClose: () => void;
}) {
  const create = useCreateToken();
  const [name, setName] = useState('');
  const [ownerId, setOwnerId] = useState(me.id);
  const [scopes, setScopes] = useState<TokenScope[]>(['apps:read']);
  const [days, setDays] = useState<number>(TOKEN_EXPIRY.defaultDays);
  const [tried, setTried] = useState(false);
  const owner = owners?.find((o) => o.id === ownerId) ?? me;
  const allowed = scopesFor(owner.role);
  const chosen = scopes.filter((s) => allowed.includes(s));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim() || chosen.length === 0) return;
    create.mutate(
      { name: name.trim(), scopes: chosen, expiresInDays: days, ...(ownerId !== me.id ? { userId: ownerId } : {}) },
      { onSuccess: onCreated },
    );
  };
  const toggle = (s: TokenScope, on: boolean) => setScopes((cur) => (on ? [...cur, s] : cur.filter((x) => x !== s)));
  const problem = !tried ? null : !name.trim() ? 'Give the token a name.' : !chosen.length ? 'Choose a scope.' : null;

  return (
    <Dialog title="New API token" onClose={onClose} className="form-dialog" testId="new-token-dialog">
      <form className="stack-form" onSubmit={submit} noValidate>
        <label>
          Name <span className="muted">(what uses it: “Airflow daily risk”)</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="token-name" />
        </label>
        {owners && owners.length > 1 && (
          <label>
            Acts as
            <select value={ownerId} onChange={(e) => setOwnerId(e.target.value)} data-testid="token-owner">
              {owners.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.id === me.id ? `${o.email} (you)` : `${o.email} (${o.role})`}
                </option>
              ))}
            </select>
          </label>
        )}
        <fieldset className="choice-group">
          <legend>Scopes</legend>
          {allowed.map((s) => (
            <label key={s} className="inline-label">
              <input
                type="checkbox"
                checked={chosen.includes(s)}
                onChange={(e) => toggle(s, e.target.checked)}
                data-testid={`scope-${s}`}
              />
              <code>{s}</code> <span className="muted">{SCOPE_DESCRIPTIONS[s]}</span>
            </label>
          ))}
        </fieldset>
        <label>
          Expires after
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="token-days">
            {EXPIRY_CHOICES.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </label>
        {(problem || create.isError) && (
          <p className="form-error" role="alert" data-testid="new-token-error">
            {problem ?? create.error?.message}
          </p>
        )}
        <div className="modal-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={create.isPending} data-testid="token-submit">
            {create.isPending ? 'Creating…' : 'Create token'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

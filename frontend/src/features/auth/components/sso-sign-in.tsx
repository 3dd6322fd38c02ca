/** Why a single sign-on failed, as the backend's callback names it (`/login?sso_error=<reason>`). */
const SSO_ERRORS: Record<string, (provider: string) => string> = {
  access_denied: (p) => `Sign-in was cancelled or refused at ${p}.`,
  idp_error: (p) => `${p} could not sign you in. Try again, or ask your administrator.`,
  state: () => 'That sign-in answer does not belong to the sign-in started in this browser. Start again.',
  expired: () => 'The sign-in took too long or was already used. Start again.',
  invalid_response: (p) => `The answer from ${p} could not be verified, so you were not signed in.`,
  unavailable: (p) => `${p} cannot be reached right now. Try again in a moment.`,
  no_email: (p) => `${p} did not share your email address, which Folio needs.`,
  email_unverified: (p) => `Your email address at ${p} is not verified.`,
  account_exists: (p) =>
    `A Folio account with your email already exists and is not linked to ${p}. Ask an administrator to link it.`,
  not_entitled: (p) => `Your ${p} account has no access to Folio. Ask your administrator for a role.`,
  disabled: () => 'Your Folio account is disabled. Ask an administrator.',
};

/** The message for a `sso_error` reason (unknown reasons get a generic one; the raw value is never shown). */
export function ssoErrorText(reason: string, provider: string): string {
  return (Object.hasOwn(SSO_ERRORS, reason) ? SSO_ERRORS[reason]! : () => 'Single sign-on failed. Try again.')(
    provider,
  );
}

/**
 * "Sign in with <provider>": a plain link, so the browser itself navigates to the backend, which redirects to the
 * provider (the sign-in is a chain of top-level navigations, not fetches). `next` is checked again by the backend.
 */
export function SsoSignIn({
  provider,
  loginUrl,
  next,
  error,
}: {
  provider: string;
  loginUrl: string;
  next: string;
  error: string | null;
}) {
  const href = `${loginUrl}?next=${encodeURIComponent(next)}`;
  return (
    <div className="sso-sign-in">
      {error && (
        <p className="form-error" role="alert" data-testid="sso-error">
          {ssoErrorText(error, provider)}
        </p>
      )}
      <a className="btn btn-primary sso-button" href={href} data-testid="sso-sign-in">
        Sign in with {provider}
      </a>
    </div>
  );
}

import { describe, expect, it } from 'vitest';
import { ssoErrorText } from './sso-sign-in';

describe('ssoErrorText', () => {
  it('words each reason the backend names, with the provider', () => {
    expect(ssoErrorText('access_denied', 'Bank SSO')).toBe('Sign-in was cancelled or refused at Bank SSO.');
    expect(ssoErrorText('account_exists', 'Bank SSO')).toMatch(/already exists and is not linked to Bank SSO/);
  });
  it('never echoes an unknown reason (it comes from the URL)', () => {
    for (const reason of ['<img src=x onerror=alert(1)>', 'toString', '__proto__']) {
      expect(ssoErrorText(reason, 'Bank SSO')).toBe('Single sign-on failed. Try again.');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { isSameOrigin } from './same-origin';

/** The one rule for /api writes and kernel WebSocket upgrades (pure logic). */
describe('isSameOrigin', () => {
  const host = 'folio.bank.example:8443';
  it.each([
    ['no Origin (curl, schedulers)', {}, true],
    ['the Host', { origin: `https://${host}`, host }, true],
    ['the Host, any case', { origin: `https://${host}`, host: host.toUpperCase() }, true],
    ['another site', { origin: 'https://evil.example', host }, false],
    ['another port', { origin: 'https://folio.bank.example:9999', host }, false],
    ['Origin null', { origin: 'null', host }, false],
    ['a malformed Origin', { origin: 'not a url', host }, false],
    ['no Host at all', { origin: `https://${host}` }, false],
    ['a proxy’s X-Forwarded-Host', { origin: `https://${host}`, host: '127.0.0.1:8080', 'x-forwarded-host': host }, true],
    [
      'the first of several X-Forwarded-Host values',
      { origin: `https://${host}`, host: '127.0.0.1:8080', 'x-forwarded-host': `${host}, inner.proxy:80` },
      true,
    ],
    [
      'a later X-Forwarded-Host value only',
      { origin: 'https://inner.proxy', host: '127.0.0.1:8080', 'x-forwarded-host': `${host}, inner.proxy` },
      false,
    ],
    ['another site with a forwarded host', { origin: 'https://evil.example', host, 'x-forwarded-host': host }, false],
  ])('%s → %s', (_label, headers, expected) => {
    expect(isSameOrigin(headers)).toBe(expected);
  });
});

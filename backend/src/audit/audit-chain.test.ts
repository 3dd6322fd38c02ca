import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, GENESIS_HASH, toAuditJson } from './audit-chain';
import { auditDetails, MAX_DETAILS_CHARS, MAX_STRING_CHARS, REDACTED } from './audit-details';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units at every depth, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, A: true })).toBe(
      '{"A":true,"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    // U+1F600 (😀, UTF-16 D83D DE00) sorts before U+FF5E (～) by code units, though after it by code points.
    expect(canonicalJson({ '\uff5e': 1, '😀': 2, '\u0080': 3 })).toBe('{"\u0080":3,"😀":2,"\uff5e":1}');
  });

  it('writes numbers and strings as ECMAScript JSON does (RFC 8785 §3.2.2)', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1, 100, 'a"\\\n\u0001'])).toBe(
      '[1e+21,1e-7,0,0.1,100,"a\\"\\\\\\n\\u0001"]',
    );
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(NaN)).toThrow(/non-finite/);
    expect(() => canonicalJson({ x: Infinity })).toThrow(/non-finite/);
  });

  it('toAuditJson gives what a JSON round trip through the store gives', () => {
    const v = toAuditJson({ d: new Date('2026-03-02T09:00:00Z'), u: undefined, n: NaN, nested: [undefined, 1] });
    expect(v).toEqual({ d: '2026-03-02T09:00:00.000Z', n: null, nested: [null, 1] });
    expect(toAuditJson(undefined)).toBeNull();
  });
});

describe('eventHash', () => {
  const e = {
    id: '00000000-0000-4000-8000-000000000001',
    seq: 1,
    at: '2026-03-02T09:00:00.000Z',
    actor: { type: 'user' as const, userId: 'u1', email: 'ada@bank.test', name: 'Ada', role: 'admin' as const },
    ip: '127.0.0.1',
    action: 'notebook.create' as const,
    target: { type: 'notebook', id: 'nb-1', name: 'One' },
    details: { params: { n: 3 } },
    prevHash: GENESIS_HASH,
  };

  it('is sha256 of the canonical JSON of the covered fields — what any outside verifier computes', () => {
    const text =
      '{"action":"notebook.create","actor":{"email":"ada@bank.test","name":"Ada","role":"admin","type":"user",' +
      '"userId":"u1"},"at":"2026-03-02T09:00:00.000Z","details":{"params":{"n":3}},' +
      '"id":"00000000-0000-4000-8000-000000000001","ip":"127.0.0.1","prevHash":"' +
      GENESIS_HASH +
      '","seq":1,"target":{"id":"nb-1","name":"One","type":"notebook"},"v":1}';
    expect(eventHash(e)).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('changes with every covered field, and not with key order', () => {
    const base = eventHash(e);
    const variants = [
      { ...e, seq: 2 },
      { ...e, id: 'other' },
      { ...e, at: '2026-03-02T09:00:00.001Z' },
      { ...e, actor: { ...e.actor, role: 'author' as const } },
      { ...e, ip: null },
      { ...e, action: 'notebook.delete' as const },
      { ...e, target: null },
      { ...e, details: { params: { n: 4 } } },
      { ...e, prevHash: 'f'.repeat(64) },
    ];
    for (const v of variants) expect(eventHash(v)).not.toBe(base);
    const { role, ...rest } = e.actor;
    const reordered = { ...e, details: { params: { n: 3 } }, actor: { role, ...rest } };
    expect(eventHash(reordered)).toBe(base);
  });
});

describe('auditDetails', () => {
  it('redacts values under secret-named keys at any depth, keeping the rest', () => {
    expect(
      auditDetails({
        name: 'ci',
        password: 'hunter2',
        nested: { apiKey: 'k', Invite_Link: 'https://x/set?t=1', list: [{ access_token: 'a', scopes: ['admin'] }] },
        tokenId: 'tok-1',
      }),
    ).toEqual({
      name: 'ci',
      password: REDACTED,
      nested: { apiKey: REDACTED, Invite_Link: REDACTED, list: [{ access_token: REDACTED, scopes: ['admin'] }] },
      tokenId: 'tok-1',
    });
  });

  it('digests huge strings and bounds the whole, keeping small fields', () => {
    const big = 'x'.repeat(MAX_STRING_CHARS + 1);
    const out = auditDetails({ runId: 'r1', params: { note: big, n: 1 } });
    expect(out).toEqual({
      runId: 'r1',
      params: {
        note: { truncated: true, chars: big.length, sha256: createHash('sha256').update(big).digest('hex') },
        n: 1,
      },
    });
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 'y'.repeat(MAX_STRING_CHARS)]));
    const bounded = auditDetails({ runId: 'r1', params: many });
    expect(canonicalJson(bounded).length).toBeLessThanOrEqual(MAX_DETAILS_CHARS);
    expect(bounded.runId).toBe('r1');
    expect(bounded.params).toMatchObject({ truncated: true });
  });

  it('is an empty object for nothing or a non-object', () => {
    expect(auditDetails(undefined)).toEqual({});
  });
});

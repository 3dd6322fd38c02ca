import { describe, expect, it } from 'vitest';
import { NO_FILTERS, auditCsvUrl, auditQuery } from '../api/get-audit';
import {
  actorLabel,
  detailsSummary,
  filtersFromSearch,
  filtersToSearch,
  isoToLocalInput,
  localInputToIso,
  targetLabel,
} from './audit-format';

describe('audit labels', () => {
  it('names each kind of actor', () => {
    const ada = { userId: 'u1', email: 'ada@bank.test', name: 'Ada' };
    expect(actorLabel({ type: 'user', ...ada })).toBe('Ada <ada@bank.test>');
    expect(actorLabel({ type: 'user', userId: 'u1' })).toBe('u1');
    expect(actorLabel({ type: 'token', tokenId: 't1', ...ada })).toBe('API token t1 of Ada <ada@bank.test>');
    expect(actorLabel({ type: 'anonymous', email: 'eve@x.test' })).toBe('anonymous (eve@x.test)');
    expect(actorLabel({ type: 'anonymous' })).toBe('anonymous');
    expect(actorLabel({ type: 'system', name: 'scheduler' })).toBe('Folio (scheduler)');
  });

  it('names targets and summarizes details', () => {
    expect(targetLabel({ type: 'notebook', id: 'nb', name: 'Risk' })).toBe('notebook Risk');
    expect(targetLabel({ type: 'user', id: 'u1' })).toBe('user u1');
    expect(targetLabel(null)).toBe('—');
    expect(detailsSummary({ runId: 'r1', params: { n: 3 } })).toBe('runId: r1, params: {"n":3}');
    expect(detailsSummary({ long: 'x'.repeat(200) }, 20)).toBe(`long: ${'x'.repeat(13)}…`);
  });
});

describe('audit filters', () => {
  it('round-trip a local datetime input through ISO', () => {
    const iso = localInputToIso('2026-03-02T09:30');
    expect(iso).toBe(new Date(2026, 2, 2, 9, 30).toISOString());
    expect(isoToLocalInput(iso)).toBe('2026-03-02T09:30');
    expect(localInputToIso('')).toBe('');
    expect(isoToLocalInput('garbage')).toBe('');
  });

  it('live in the URL and become the API query without empty values', () => {
    const f = { ...NO_FILTERS, actor: 'ada@bank.test', action: 'notebook.*' };
    const search = filtersToSearch(f);
    expect(search.toString()).toBe('actor=ada%40bank.test&action=notebook.*');
    expect(filtersFromSearch(search)).toEqual(f);
    expect(auditQuery(f, { cursor: undefined, limit: '50' })).toEqual({
      actor: 'ada@bank.test',
      action: 'notebook.*',
      limit: '50',
    });
    expect(auditCsvUrl(f)).toBe('/api/audit?actor=ada%40bank.test&action=notebook.*&format=csv');
  });
});

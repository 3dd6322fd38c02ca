import { describe, expect, it } from 'vitest';
import { nameFromFilename } from '../api/import-notebook';
import type { NotebookSummary } from '../api/notebook-summary.schema';
import { filterNotebooks, type NotebookShow } from './filter-notebooks';

const list = [
  { id: '1', name: 'FX rates report', version: 1, updatedAt: '2026-11-01T10:00:00Z' },
  { id: '2', name: 'portfolio VaR', version: 1, updatedAt: '2026-11-03T10:00:00Z' },
  { id: '3', name: 'Yield curve fit', version: 1, updatedAt: '2026-11-02T10:00:00Z' },
];

describe('filterNotebooks', () => {
  it('sorts by name, case-insensitively', () =>
    expect(filterNotebooks(list, '', 'name').map((n) => n.id)).toEqual(['1', '2', '3']));
  it('sorts by last update, newest first', () =>
    expect(filterNotebooks(list, '', 'updated').map((n) => n.id)).toEqual(['2', '3', '1']));
  it('searches names case-insensitively', () =>
    expect(filterNotebooks(list, '  var ', 'name').map((n) => n.id)).toEqual(['2']));
  it('pins the examples first, whatever the sort, and can show only them', () => {
    const withExamples = [
      ...list,
      { id: 'ex-b', name: 'B example', version: 1, updatedAt: '2026-01-01T00:00:00Z', example: true },
      { id: 'ex-a', name: 'a example', version: 1, updatedAt: '2025-01-01T00:00:00Z', example: true },
    ];
    expect(filterNotebooks(withExamples, '', 'updated').map((n) => n.id)).toEqual(['ex-b', 'ex-a', '2', '3', '1']);
    expect(filterNotebooks(withExamples, '', 'name').map((n) => n.id)).toEqual(['ex-a', 'ex-b', '1', '2', '3']);
    expect(filterNotebooks(withExamples, '', 'name', 'examples').map((n) => n.id)).toEqual(['ex-a', 'ex-b']);
    expect(filterNotebooks(withExamples, 'b ex', 'name', 'examples').map((n) => n.id)).toEqual(['ex-b']);
  });
  it('names imports after the file', () => {
    expect(nameFromFilename('FX Report.IPYNB')).toBe('FX Report');
    expect(nameFromFilename('.ipynb')).toBe('Untitled');
  });
});

describe('filterNotebooks by who owns them', () => {
  const at = '2026-12-01T10:00:00Z';
  const list: NotebookSummary[] = [
    { id: 'mine', name: 'Mine', version: 1, updatedAt: at, access: 'owner' },
    { id: 'read', name: 'Read', version: 1, updatedAt: at, access: 'read' },
    { id: 'edit', name: 'Edit', version: 1, updatedAt: at, access: 'edit' },
    { id: 'ex', name: 'Example', version: 1, updatedAt: at, access: 'read', example: true },
    { id: 'admin', name: 'Admin sees', version: 1, updatedAt: at, access: 'admin' },
  ];
  const ids = (show: NotebookShow) => filterNotebooks(list, '', 'name', show).map((n) => n.id);

  it('tells my notebooks from those shared with me; examples are neither', () => {
    expect(ids('mine')).toEqual(['mine']);
    expect(ids('shared')).toEqual(['edit', 'read']);
    expect(ids('examples')).toEqual(['ex']);
    expect(ids('all')).toEqual(['ex', 'admin', 'edit', 'mine', 'read']);
  });
});

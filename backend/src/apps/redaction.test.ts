import { describe, expect, it } from 'vitest';
import type { AppParamSpec } from '../contracts/apps';
import type { Cell, Notebook } from '../contracts/nbformat';
import { codeCell, notebookOf } from '../notebooks/testing/notebook-builders';
import type { AppRecord, AppVersionSummary } from '../store/store';
import { redactApp, redactAppSummary, redactCells, redactOutput, redactParam } from './redaction';

const MARKER = 'SECRET-MARKER-7f3a';

const withOutputs = (cell: ReturnType<typeof codeCell>, text: string): Cell => ({
  ...cell,
  execution_count: 4,
  metadata: { ...cell.metadata, secret: MARKER },
  outputs: [
    { output_type: 'stream', name: 'stdout', text },
    {
      output_type: 'execute_result',
      execution_count: 4,
      data: { 'text/plain': text },
      metadata: {},
    },
  ],
});

/** A notebook as a run leaves it: parameters, injected parameters, hidden and visible cells, all with outputs. */
function executed(): Notebook {
  return notebookOf([
    { id: 'title', cell_type: 'markdown', source: '# Report', metadata: {}, attachments: { 'a.png': { 'image/png': 'iVBO' } } },
    codeCell('params', `x = 1  # help`, ['parameters']),
    withOutputs(codeCell('injected-parameters', `x = "${MARKER}"`, ['injected-parameters']), MARKER),
    withOutputs(codeCell('hidden', `secret = "${MARKER}"\nprint(secret)`), MARKER),
    withOutputs(codeCell('output-only', `print(compute("${MARKER}"))`), 'result 42'),
    withOutputs(codeCell('with-code', 'print(x * 2)'), 'result 2'),
    {
      id: 'failing',
      cell_type: 'code',
      source: 'boom()',
      metadata: {},
      execution_count: 9,
      outputs: [
        {
          output_type: 'error',
          ename: 'ValueError',
          evalue: 'bad input',
          traceback: [`Cell In[3], line 2\n      1 secret = "${MARKER}"\n----> 2 boom()`, 'ValueError: bad input'],
        },
      ],
    },
    { id: 'raw', cell_type: 'raw', source: MARKER, metadata: {} },
  ]);
}

const VERSION = {
  cells: [
    { id: 'title', show: 'output' as const },
    { id: 'output-only', show: 'output' as const },
    { id: 'with-code', show: 'code+output' as const },
    { id: 'failing', show: 'code+output' as const },
    // A visible id the executed notebook uses for its injected cell never shows it.
    { id: 'injected-parameters', show: 'code+output' as const },
    { id: 'raw', show: 'output' as const },
  ],
};

describe('redactCells', () => {
  it('gives the visible cells only, in notebook order, code only for code+output, never a marker', () => {
    const cells = redactCells(VERSION, executed());
    expect(cells.map((c) => [c.id, c.cellType, c.show])).toEqual([
      ['title', 'markdown', 'output'],
      ['output-only', 'code', 'output'],
      ['with-code', 'code', 'code+output'],
      ['failing', 'code', 'code+output'],
    ]);
    expect(cells[0]).toEqual({
      id: 'title',
      cellType: 'markdown',
      show: 'output',
      source: '# Report',
      attachments: { 'a.png': { 'image/png': 'iVBO' } },
    });
    expect(cells[1]).not.toHaveProperty('source');
    expect(cells[1]!.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'result 42' },
      { output_type: 'execute_result', execution_count: null, data: { 'text/plain': 'result 42' }, metadata: {} },
    ]);
    expect(cells[2]!.source).toBe('print(x * 2)');
    expect(JSON.stringify(cells)).not.toContain(MARKER);
  });

  it('reduces tracebacks to the error line (frames quote other cells’ code)', () => {
    const failing = redactCells(VERSION, executed()).find((c) => c.id === 'failing')!;
    expect(failing.outputs).toEqual([
      { output_type: 'error', ename: 'ValueError', evalue: 'bad input', traceback: ['ValueError: bad input'] },
    ]);
  });

  it('gives the layout without outputs when asked', () => {
    const cells = redactCells(VERSION, executed(), { outputs: false });
    expect(cells.every((c) => c.outputs === undefined)).toBe(true);
    expect(cells.map((c) => c.id)).toEqual(['title', 'output-only', 'with-code', 'failing']);
  });

  it('copies outputs: changing the answer never changes the notebook', () => {
    const nb = executed();
    const [, cell] = redactCells(VERSION, nb);
    (cell!.outputs![1] as { data: Record<string, unknown> }).data['text/plain'] = 'changed';
    expect(JSON.stringify(nb)).not.toContain('changed');
  });

  it('drops output fields that are not displayed (transient ids) and outputs of unknown types', () => {
    expect(
      redactOutput({ output_type: 'display_data', data: { 'text/plain': 'x' }, metadata: {}, transient: { display_id: 'd' } }),
    ).toEqual({ output_type: 'display_data', data: { 'text/plain': 'x' }, metadata: {} });
    expect(redactOutput({ output_type: 'mystery', payload: MARKER } as never)).toEqual({
      output_type: 'stream',
      name: 'stderr',
      text: 'An output of an unknown type was left out.\n',
    });
  });
});

describe('redactParam, redactApp', () => {
  const spec: AppParamSpec = {
    name: 'x',
    type: 'int',
    default: 1,
    defaultSource: `compute("${MARKER}")`,
    annotation: `Annotated[int, "${MARKER}"]`,
    label: 'X',
    help: 'how many',
    nullable: false,
    required: true,
    min: 0,
    max: 9,
    step: 1,
    widget: 'slider',
  };

  it('keeps the form and drops the parameters cell’s source text', () => {
    expect(redactParam(spec)).toEqual({
      name: 'x',
      type: 'int',
      default: 1,
      label: 'X',
      help: 'how many',
      nullable: false,
      required: true,
      min: 0,
      max: 9,
      step: 1,
      widget: 'slider',
    });
  });

  it('builds the app view from allowlisted fields only: no notebook id, files, hash or access list', () => {
    const app = {
      id: 'app-id',
      slug: 'fx',
      title: 'FX',
      description: 'd',
      ownerId: 'owner-id',
      currentVersion: 2,
      access: { mode: 'users', users: ['u1'] },
      cache: { maxAgeSeconds: 60 },
      createdAt: 't0',
      updatedAt: 't1',
      unpublishedAt: null,
      unpublishedBy: null,
    } satisfies AppRecord;
    const version = {
      appId: 'app-id',
      version: 2,
      notebookId: `nb-${MARKER}`,
      notebookVersion: 5,
      contentHash: MARKER,
      cells: VERSION.cells,
      params: [spec],
      paramRefinements: [{ name: 'x', help: MARKER }],
      cache: { maxAgeSeconds: 60 },
      files: [{ path: `${MARKER}.csv`, size: 1, sha256: MARKER }],
      publishedBy: 'owner-id',
      publishedAt: 't1',
    } satisfies AppVersionSummary;
    const view = redactApp(app, version, executed(), { ownerName: 'Ada', canManage: false });
    expect(Object.keys(view).sort()).toEqual(
      ['cache', 'canManage', 'cells', 'description', 'ownerName', 'params', 'publishedAt', 'slug', 'title', 'updatedAt', 'version'].sort(),
    );
    expect(JSON.stringify(view)).not.toContain(MARKER);
    expect(JSON.stringify(redactAppSummary(app, { ownerName: 'Ada', canManage: false }))).not.toMatch(/owner-id|u1/);
  });
});

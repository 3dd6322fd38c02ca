import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notebook, Output } from '../../notebooks/nbformat';
import { executeNotebook } from '../executor';
import { KernelPool } from '../pool';
import { startTestJupyter, type TestJupyter } from '../testing/jupyter-fixture';

/**
 * Conformance: our executor's outputs equal what real Jupyter (nbclient + ipykernel, see
 * make-fixtures.py) recorded for the same notebooks, after normalizing volatile fields.
 */
interface ExpectedCell {
  id: string;
  execution_count: number | null;
  outputs: Output[];
}
const fixture = (dir: string, file: string) => JSON.parse(fs.readFileSync(new URL(`./${dir}/${file}`, import.meta.url), 'utf8'));

/** Volatile parts: memory addresses (e.g. `<object at 0x7f...>`). Everything else must match exactly. */
function normalize(cells: ExpectedCell[]): ExpectedCell[] {
  return JSON.parse(JSON.stringify(cells).replace(/0x[0-9a-f]{6,}/g, '0xADDR')) as ExpectedCell[];
}

let jupyter: TestJupyter;
let pool: KernelPool;

beforeAll(async () => {
  jupyter = await startTestJupyter();
  // A warm pool with a preamble, as in production: the preamble must not shift execution counts.
  pool = new KernelPool({ settings: jupyter.settings, size: 1, preamble: 'import numpy, pandas, matplotlib', logger: jupyter.logger });
  await pool.start();
});

afterAll(async () => {
  await pool?.shutdown();
  await jupyter?.stop();
});

async function run(name: string) {
  const notebook = fixture('notebooks', `${name}.ipynb`) as Notebook;
  const k = await pool.acquire(60_000);
  try {
    return { notebook, result: await executeNotebook(k, notebook, { cellTimeoutMs: 60_000, maxOutputBytes: 20 * 1024 * 1024 }) };
  } finally {
    pool.release(k);
  }
}

describe.each(['streams', 'displays', 'rich', 'errors'])('conformance: %s', (name) => {
  it('produces the outputs and execution counts Jupyter produces', async () => {
    const expected = fixture('expected', `${name}.json`) as { status: string; cells: ExpectedCell[] };
    const { notebook, result } = await run(name);

    expect(result.status).toBe(expected.status);
    const actual = result.cells.map((c) => ({ id: c.cellId, execution_count: c.executionCount, outputs: c.outputs }));
    expect(normalize(actual)).toEqual(normalize(expected.cells));

    // The executed notebook carries the same outputs; markdown and raw cells are untouched.
    const executedCode = result.notebook.cells.filter((c) => c.cell_type === 'code');
    expect(normalize(executedCode.map((c) => ({ id: c.id, execution_count: c.execution_count, outputs: c.outputs })))).toEqual(
      normalize(expected.cells),
    );
    result.notebook.cells.forEach((cell, i) => {
      if (cell.cell_type !== 'code') expect(cell).toEqual(notebook.cells[i]);
    });
    expect(result.notebook.metadata).toEqual(notebook.metadata);
  });
});

describe('conformance: run semantics', () => {
  it('reports per-cell status and the first error, and skips skip-execution and empty cells', async () => {
    const errors = (await run('errors')).result;
    expect(errors.cells.map((c) => c.status)).toEqual(['ok', 'error', 'error', 'error', 'not_run']);
    expect(errors.error).toEqual({ code: 'cell_error', message: 'Cell 4 raised ZeroDivisionError: division by zero' });
    for (const c of errors.cells.slice(0, 4)) expect(Date.parse(c.endedAt!)).toBeGreaterThanOrEqual(Date.parse(c.startedAt!));

    const rich = (await run('rich')).result;
    expect(rich.cells.map((c) => [c.cellId, c.status])).toEqual([
      ['png', 'ok'],
      ['svg', 'ok'],
      ['pandas', 'ok'],
      ['skip', 'skipped'],
      ['empty', 'skipped'],
      ['after-skip', 'ok'],
    ]);
  });
});

import fs from 'node:fs';
import type { KernelMessage } from '@jupyterlab/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notebook, Output } from '../../contracts/nbformat';
import { executeNotebook } from '../executor';
import { KernelPool } from '../pool';
import type { PooledKernel } from '../pooled-kernel';
import { startTestJupyter, type TestJupyter } from '../testing/jupyter-fixture';

/**
 * Conformance: our executor's outputs equal what real Jupyter (nbclient + ipykernel, recorded by
 * make-fixtures.py into recorded/) produced for the same notebooks, after normalizing volatile fields, plus
 * Folio's own rules stored in expected/folio-rules.json. README.md says which rule is which.
 */
interface Cell {
  id: string;
  execution_count: number | null;
  outputs: Output[];
}
interface Recorded {
  nbclient: { options: { timeout: number; interrupt_on_timeout?: boolean }; raised: string | null };
  cells: Cell[];
}
interface Rules {
  streamText: Array<{ notebook: string; cell: string; recorded: string; expected: string; rule: string }>;
  addedOutputs: Array<{ notebook: string; cell: string; output: Output; rule: string }>;
}

const read = <T>(file: string): T => JSON.parse(fs.readFileSync(new URL(`./${file}`, import.meta.url), 'utf8')) as T;
const rules = read<Rules>('expected/folio-rules.json');

/** How nbclient ended each recording, and how Folio's run of the same notebook ends. */
const OUTCOMES: Record<string, { raised: string | null; status: string; error?: { code: string; message: string } }> = {
  streams: { raised: null, status: 'succeeded' },
  displays: { raised: null, status: 'succeeded' },
  rich: { raised: null, status: 'succeeded' },
  errors: {
    raised: 'CellExecutionError',
    status: 'failed',
    error: { code: 'cell_error', message: 'Cell 4 raised ZeroDivisionError: division by zero' },
  },
  timeout: {
    raised: 'CellExecutionError',
    status: 'timed_out',
    error: { code: 'timeout', message: 'Cell 2 did not finish within 2 s' },
  },
  dead: {
    raised: 'DeadKernelError',
    status: 'failed',
    error: { code: 'kernel_died', message: 'The kernel died while running cell 2' },
  },
};

/**
 * Volatile parts: memory addresses (e.g. `<object at 0x7f...>`) and the checkout's location (library frames of
 * tracebacks name files in kernels/.venv). Everything else must match exactly.
 */
function normalize(cells: Cell[]): Cell[] {
  const text = JSON.stringify(cells)
    .replace(/0x[0-9a-f]{6,}/g, '0xADDR')
    .replace(/(?:\/[\w.-]+)+?\/kernels\/\.venv\//g, '<repo>/kernels/.venv/');
  return JSON.parse(text) as Cell[];
}

/**
 * Consecutive stream outputs of the same name, concatenated. Where ipykernel cuts a stream into messages depends
 * on when it flushes, so nbclient's one-output-per-message recording is not stable; every Jupyter front end
 * merges them (JupyterLab's OutputAreaModel, nbconvert's CoalesceStreamsPreprocessor). Text is left as recorded.
 */
function mergeStreams(outputs: Output[]): Output[] {
  const merged: Output[] = [];
  for (const out of structuredClone(outputs)) {
    const last = merged.at(-1);
    if (out.output_type === 'stream' && last?.output_type === 'stream' && last.name === out.name)
      last.text = `${last.text as string}${out.text as string}`;
    else merged.push(out);
  }
  return merged;
}

/** The recording, merged, with Folio's rules applied; fails when a rule no longer matches its recording. */
const usedRules = new Set<object>();
function expectedCells(name: string, recorded: Recorded): Cell[] {
  return recorded.cells.map((cell) => {
    const outputs = mergeStreams(cell.outputs).map((out) => {
      if (out.output_type !== 'stream' || !/[\r\b]/.test(out.text as string)) return out;
      const rule = rules.streamText.find((r) => r.notebook === name && r.cell === cell.id);
      if (!rule)
        throw new Error(`${name}/${cell.id}: recorded stream text with \\r or \\b has no rule in folio-rules.json`);
      expect(out.text, `${name}/${cell.id}: the rule's recorded text is stale`).toBe(rule.recorded);
      usedRules.add(rule);
      return { ...out, text: rule.expected };
    });
    for (const added of rules.addedOutputs.filter((a) => a.notebook === name && a.cell === cell.id)) {
      outputs.push(added.output);
      usedRules.add(added);
    }
    return { id: cell.id, execution_count: cell.execution_count, outputs };
  });
}

let jupyter: TestJupyter;
let pool: KernelPool;

beforeAll(async () => {
  jupyter = await startTestJupyter();
  // A warm pool with a preamble, as in production: the preamble must not shift execution counts.
  pool = new KernelPool({
    settings: jupyter.settings,
    size: 1,
    preamble: 'import numpy, pandas, matplotlib',
    logger: jupyter.logger,
  });
  await pool.start();
});

afterAll(async () => {
  await pool?.shutdown();
  await jupyter?.stop();
});

async function run(name: string, signalFor?: (k: PooledKernel) => AbortSignal) {
  const notebook = read<Notebook>(`notebooks/${name}.ipynb`);
  const recorded = read<Recorded>(`recorded/${name}.json`);
  const k = await pool.acquire(60_000);
  try {
    const cellTimeoutMs = recorded.nbclient.options.timeout * 1000; // the limit nbclient ran with
    const result = await executeNotebook(k, notebook, {
      cellTimeoutMs,
      maxOutputBytes: 20 * 1024 * 1024,
      signal: signalFor?.(k),
    });
    return { notebook, recorded, result };
  } finally {
    pool.release(k);
  }
}

describe.each(Object.keys(OUTCOMES))('conformance: %s', (name) => {
  it('produces the outputs and execution counts Jupyter recorded', async () => {
    const { notebook, recorded, result } = await run(name);
    const outcome = OUTCOMES[name]!;
    expect(recorded.nbclient.raised).toBe(outcome.raised);
    expect(result.status).toBe(outcome.status);
    expect(result.error).toEqual(outcome.error);

    const expected = normalize(expectedCells(name, recorded));
    const actual = result.cells.map((c) => ({ id: c.cellId, execution_count: c.executionCount, outputs: c.outputs }));
    if (name === 'dead') {
      // ipykernel publishes execute_input from its IOPub thread; os._exit right after may drop it before it
      // leaves the process (a race inside the kernel, seen both ways), and then no client learns the count.
      const die = actual.find((c) => c.id === 'die')!;
      expect([null, expected.find((c) => c.id === 'die')!.execution_count]).toContain(die.execution_count);
      die.execution_count = expected.find((c) => c.id === 'die')!.execution_count;
    }
    expect(normalize(actual)).toEqual(expected);

    // The executed notebook carries the same outputs; markdown and raw cells are untouched.
    const executedCode = result.notebook.cells.filter((c) => c.cell_type === 'code');
    expect(
      normalize(executedCode.map((c) => ({ id: c.id, execution_count: c.execution_count, outputs: c.outputs }))),
    ).toEqual(
      normalize(result.cells.map((c) => ({ id: c.cellId, execution_count: c.executionCount, outputs: c.outputs }))),
    );
    result.notebook.cells.forEach((cell, i) => {
      if (cell.cell_type !== 'code') expect(cell).toEqual(notebook.cells[i]);
    });
    expect(result.notebook.metadata).toEqual(notebook.metadata);
  });
});

describe('conformance: interrupt', () => {
  it('an interrupt on demand (cancel) leaves the outputs Jupyter recorded for an interrupted cell', async () => {
    const controller = new AbortController();
    // Interrupt on the cell's first output: it leaves with ipykernel's background flush, when the cell is already in
    // its sleep (see make-fixtures.py), so the interrupt lands where nbclient's did.
    const signalFor = (k: PooledKernel) => {
      k.connection.iopubMessage.connect((_, msg: KernelMessage.IIOPubMessage) => {
        if (msg.header.msg_type === 'stream' && String((msg.content as { text?: unknown }).text).includes('working'))
          controller.abort();
      });
      return controller.signal;
    };
    const { recorded, result } = await run('timeout', signalFor);
    expect(result.status).toBe('cancelled');
    expect(result.error).toEqual({ code: 'cancelled', message: 'The run was cancelled while running cell 2' });
    const actual = result.cells.map((c) => ({ id: c.cellId, execution_count: c.executionCount, outputs: c.outputs }));
    expect(normalize(actual)).toEqual(normalize(expectedCells('timeout', recorded)));
  });
});

describe('conformance: rules file', () => {
  it('every rule in folio-rules.json applies to its recording', () => {
    for (const name of Object.keys(OUTCOMES)) expectedCells(name, read<Recorded>(`recorded/${name}.json`));
    const unused = [...rules.streamText, ...rules.addedOutputs]
      .filter((r) => !usedRules.has(r))
      .map((r) => `${r.notebook}/${r.cell}`);
    expect(unused).toEqual([]);
  });
});

describe('conformance: run semantics', () => {
  it('reports per-cell status and the first error, and skips skip-execution and empty cells', async () => {
    const errors = (await run('errors')).result;
    expect(errors.cells.map((c) => c.status)).toEqual(['ok', 'error', 'error', 'error', 'not_run']);
    for (const c of errors.cells.slice(0, 4))
      expect(Date.parse(c.endedAt!)).toBeGreaterThanOrEqual(Date.parse(c.startedAt!));

    const rich = (await run('rich')).result;
    expect(rich.cells.map((c) => [c.cellId, c.status])).toEqual([
      ['png', 'ok'],
      ['svg', 'ok'],
      ['pandas', 'ok'],
      ['skip', 'skipped'],
      ['empty', 'skipped'],
      ['after-skip', 'ok'],
    ]);

    const timeout = (await run('timeout')).result;
    expect(timeout.cells.map((c) => c.status)).toEqual(['ok', 'timed_out', 'not_run']);
    const dead = (await run('dead')).result;
    expect(dead.cells.map((c) => c.status)).toEqual(['ok', 'error', 'not_run']);
  });
});

import type { Output } from '../contracts/nbformat';
import type { RunRecord } from '../store/store';

/**
 * A finished run stores its outputs once, in the executed notebook (`outputsIn: 'executed'`); its per-cell results keep
 * status, execution count and timings. Readers get each cell's outputs back from the executed notebook, by cell id.
 */
export function withCellOutputs(run: RunRecord): RunRecord {
  if (run.outputsIn !== 'executed' || !run.executed) return run;
  const outputs = new Map<string, Output[]>();
  for (const cell of run.executed.cells) if (cell.cell_type === 'code') outputs.set(cell.id, cell.outputs);
  const { outputsIn: _stored, ...rest } = run;
  return { ...rest, cells: run.cells.map((c) => ({ ...c, outputs: outputs.get(c.cellId) ?? [] })) };
}

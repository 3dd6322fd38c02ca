import type { Notebook, Output } from './nbformat';

/**
 * Runs as every layer sees them (types only): the record the store keeps, the per-cell results the executor
 * produces, the kernel environment it captures. The rules of a run's life are in runs/run-state.ts.
 */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
export type RunTrigger = 'manual' | 'schedule' | 'api';

export interface CellResult {
  cellId: string;
  executionCount: number | null;
  status: 'ok' | 'error' | 'skipped' | 'timed_out' | 'not_run';
  outputs: Output[];
  startedAt?: string;
  endedAt?: string;
}
export interface KernelEnvironment {
  python: string;
  implementation: string;
  packages: Record<string, string>;
}
/**
 * Where a run's working directory gets its files (runs/run-files.ts): `notebook`, the notebook's folder of files as it
 * is when the run starts executing. Published app versions add their own source (the snapshot taken at publish time).
 */
export type RunFilesSource = { from: 'notebook' };

export interface RunRecord {
  id: string;
  notebookId: string;
  notebookVersion: number;
  /** Where the files of its working directory come from. Absent (runs recorded before it existed): the notebook's. */
  files?: RunFilesSource;
  params: Record<string, unknown>;
  paramsHash: string;
  trigger: RunTrigger;
  actorId: string;
  status: RunStatus;
  error?: { code: string; message: string };
  /**
   * One entry per code cell. While the run is going each carries its outputs; once `executed` is saved the outputs
   * live there only (`outputsIn: 'executed'`) and runs/run-record.ts puts them back for readers.
   */
  cells: CellResult[];
  /** Set when the per-cell outputs were moved into `executed` (one stored copy). */
  outputsIn?: 'executed';
  /** The executed notebook (with the injected-parameters cell and outputs) once the run ends. */
  executed?: Notebook;
  environment?: KernelEnvironment;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** The worker attempt that holds the run while it is `running` (a fencing token; see runs/run-state.ts). */
  attemptId?: string;
  /** How many attempts have claimed the run. */
  attempts?: number;
  /** Last sign of life of the attempt holding the run (written by the adapter's `heartbeat`). */
  heartbeatAt?: string;
  /** Set by POST /api/runs/:id/cancel on a running run; the attempt holding it sees it on its next heartbeat. */
  cancelRequestedAt?: string;
  cancelRequestedBy?: string;
}

import type { AppCellView, AppParamSpec, AppParamView, AppSummaryView, AppView, VisibleCell } from '../contracts/apps';
import { cellTags, sourceText, type Notebook, type Output } from '../contracts/nbformat';
import { INJECTED_TAG } from '../kernels/parameters/infer-parameters';
import type { AppRecord, AppVersionSummary } from '../store/store';

/**
 * Server-side redaction: the ONE place that decides what of an app anyone but its owner and admins receives. Every
 * viewer-facing answer — the app (GET /api/apps[/:slug]) and, with app runs, its results, run history and details,
 * progress and exports — is built from these functions and from nothing else, so the guarantee holds everywhere:
 *
 * - only the version's visible cells, in notebook order; never a hidden cell's source or outputs;
 * - a visible code cell's code only when it is shown `code+output`; markdown cells show their text (it is what they
 *   display) and attachments;
 * - never the `injected-parameters` cell (its code carries the run's values as Python), even if an executed notebook
 *   has one where a visible cell's id would be;
 * - outputs rebuilt field by field (nothing of a cell's or output's metadata that is not part of the display), and an
 *   error's traceback reduced to `ename: evalue` — ipykernel tracebacks quote the source lines of every frame, those
 *   of hidden cells included;
 * - never the notebook's id, metadata or files, the parameters cell's source text (`defaultSource`, `annotation`) or
 *   the version's content hash.
 *
 * Values are copied into new objects (an allowlist), never spread from a record, so a field added to a record later
 * does not reach viewers by accident. Pure functions: no I/O.
 */

/**
 * The visible cells of `notebook` (the version's snapshot, or a run's executed notebook) as a viewer gets them.
 * `outputs: false` gives the layout only (the app page before a result), `true` (default) the outputs too (results).
 */
export function redactCells(
  version: { cells: readonly VisibleCell[] },
  notebook: Notebook,
  opts: { outputs?: boolean } = {},
): AppCellView[] {
  const show = new Map(version.cells.map((c) => [c.id, c.show]));
  const withOutputs = opts.outputs ?? true;
  const out: AppCellView[] = [];
  for (const cell of notebook.cells) {
    const how = show.get(cell.id);
    if (!how || cellTags(cell).includes(INJECTED_TAG)) continue;
    if (cell.cell_type === 'markdown') {
      const view: AppCellView = { id: cell.id, cellType: 'markdown', show: how, source: sourceText(cell.source) };
      if (cell.attachments) view.attachments = structuredClone(cell.attachments);
      out.push(view);
    } else if (cell.cell_type === 'code') {
      const view: AppCellView = { id: cell.id, cellType: 'code', show: how };
      if (how === 'code+output') view.source = sourceText(cell.source);
      if (withOutputs) view.outputs = cell.outputs.map(redactOutput);
      out.push(view);
    }
  }
  return out;
}

/** One nbformat output with only what is displayed. */
export function redactOutput(o: Output): Output {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: structuredClone(o.text) };
    case 'display_data':
      return { output_type: 'display_data', data: structuredClone(o.data), metadata: structuredClone(o.metadata) };
    case 'execute_result':
      // No prompt numbers in an app (they would count the hidden cells run before).
      return {
        output_type: 'execute_result',
        execution_count: null,
        data: structuredClone(o.data),
        metadata: structuredClone(o.metadata),
      };
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: [`${o.ename}: ${o.evalue}`] };
    default:
      return { output_type: 'stream', name: 'stderr', text: 'An output of an unknown type was left out.\n' };
  }
}

/** A parameter as the form shows it: no source text of the notebook. */
export function redactParam(p: AppParamSpec): AppParamView {
  const view: AppParamView = {
    name: p.name,
    type: p.type,
    label: p.label,
    nullable: p.nullable,
    required: p.required,
    widget: p.widget,
  };
  if (p.default !== undefined) view.default = structuredClone(p.default);
  if (p.help !== undefined) view.help = p.help;
  if (p.min !== undefined) view.min = p.min;
  if (p.max !== undefined) view.max = p.max;
  if (p.step !== undefined) view.step = p.step;
  if (p.options !== undefined) view.options = structuredClone(p.options);
  return view;
}

/** The app as anyone who may open it gets it (the manager view extends this; app.service.ts). */
export function redactApp(
  app: AppRecord,
  version: AppVersionSummary,
  snapshot: Notebook,
  extra: { ownerName: string; canManage: boolean },
): AppView {
  return {
    slug: app.slug,
    title: app.title,
    description: app.description,
    ownerName: extra.ownerName,
    version: version.version,
    publishedAt: version.publishedAt,
    updatedAt: app.updatedAt,
    cache: { maxAgeSeconds: app.cache.maxAgeSeconds },
    params: version.params.map(redactParam),
    cells: redactCells(version, snapshot, { outputs: false }),
    canManage: extra.canManage,
  };
}

/** An app of the list (gallery) as anyone who may open it gets it. */
export function redactAppSummary(app: AppRecord, extra: { ownerName: string; canManage: boolean }): AppSummaryView {
  return {
    slug: app.slug,
    title: app.title,
    description: app.description,
    ownerName: extra.ownerName,
    version: app.currentVersion,
    updatedAt: app.updatedAt,
    canManage: extra.canManage,
  };
}

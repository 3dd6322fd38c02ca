/**
 * Author HTML/JS runs in `<iframe src="/sandbox.html" sandbox="allow-scripts">` WITHOUT allow-same-origin, a page the
 * server sends with its own CSP (`sandbox allow-scripts; default-src 'none'; …`): an opaque origin that cannot read the
 * app's cookies, storage or DOM, call its API, or connect anywhere. (A srcdoc frame would inherit the app's CSP,
 * `script-src 'self'`, and no author or sizing script could run.) The parent posts the document once the frame says
 * it is ready, and accepts only `{type:'folio:frame-height', height}` back, from that frame's own window.
 */
export const SANDBOX_URL = '/sandbox.html';
export const READY_MESSAGE = 'folio:frame-ready';
export const RENDER_MESSAGE = 'folio:render';
export const HEIGHT_MESSAGE = 'folio:frame-height';

const HEIGHT_SCRIPT = `(function(){var r=document.getElementById('folio-root');var last=-1;function send(){var h=Math.ceil(r.getBoundingClientRect().height)+(document.documentElement.scrollWidth>window.innerWidth?18:0);if(h!==last){last=h;parent.postMessage({type:'${HEIGHT_MESSAGE}',height:h},'*');}}if(window.ResizeObserver){new ResizeObserver(send).observe(r);}window.addEventListener('load',send);send();})();`;

const STYLE = `html,body{margin:0;padding:0;background:transparent}body{font:13px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;overflow-y:hidden}#folio-root{display:flow-root;padding:2px 0}table{border-collapse:collapse;border:none;font-size:12px}th,td{padding:4px 8px;text-align:right;border:none}thead th{border-bottom:1px solid #999;vertical-align:bottom}tbody tr:nth-child(odd){background:#f5f5f5}tbody tr:hover{background:#e1efff}img,svg{max-width:100%}`;

export function sandboxDocument(bodyHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head><body><div id="folio-root">${bodyHtml}</div><script>${HEIGHT_SCRIPT}</script></body></html>`;
}

/** A script output (application/javascript) as a document: the code runs inside the sandbox only. */
export function sandboxScriptDocument(code: string): string {
  // `</script` inside the code would end the element early: break it up.
  return sandboxDocument(`<script>${code.replace(/<\/(script)/gi, '<\\/$1')}</script>`);
}

/** JSON as a JavaScript expression safe inside an inline `<script>`: no `</script>`, `<!--` or `]]>` can appear. */
export const scriptJson = (value: unknown): string =>
  (JSON.stringify(value) ?? 'null').replace(/</g, '\\u003c').replace(/>/g, '\\u003e');

export interface PlotlyFigure {
  data?: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/**
 * A plotly figure as a sandbox document: plotly.js is loaded by the frame itself from `plotlyUrl` (a hashed asset on
 * our server; the sandbox CSP allows `script-src 'self'`), so it is fetched only when a figure is shown and never
 * runs in the app's origin. A load or plotting failure is shown in the frame.
 */
export function sandboxPlotlyDocument(figure: PlotlyFigure, plotlyUrl: string): string {
  const fail = `function(m){var e=document.createElement('pre');e.className='plotly-error';e.textContent='Could not render the plotly figure: '+m;document.getElementById('folio-plot').replaceWith(e);}`;
  const plot =
    `(function(){var fail=${fail};if(!window.Plotly)return fail('plotly.js did not load');var f=${scriptJson(figure)};` +
    `var layout=Object.assign({autosize:true},f.layout||{});var config=Object.assign({responsive:true},f.config||{});` +
    `try{Plotly.newPlot('folio-plot',f.data||[],layout,config).catch(function(e){fail(String(e&&e.message||e));});}` +
    `catch(e){fail(String(e&&e.message||e));}})();`;
  return sandboxDocument(
    `<div id="folio-plot"></div><script src="${encodeURI(plotlyUrl).replace(/"/g, '%22')}"></script><script>${plot}</script>`,
  );
}

export const isReadyMessage = (data: unknown): boolean =>
  typeof data === 'object' && data !== null && (data as { type?: unknown }).type === READY_MESSAGE;

export function isHeightMessage(data: unknown): data is { type: typeof HEIGHT_MESSAGE; height: number } {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as { type?: unknown; height?: unknown };
  return d.type === HEIGHT_MESSAGE && typeof d.height === 'number' && Number.isFinite(d.height) && d.height >= 0;
}

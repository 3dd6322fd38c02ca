import { memo, useMemo } from 'react';
import { renderMarkdown, renderTex } from '../../lib/markdown';
import type { MimeBundle } from '../../lib/nbformat';
import { ansiToHtml } from './ansi';
import { imageSrc, joinText, pickMime } from './mime';
import { PlotlyOutput } from './plotly-output';
import { sandboxDocument, sandboxScriptDocument } from './sandbox-document';
import { SandboxedFrame } from './sandboxed-frame';

function latexHtml(text: string): string {
  const t = text.trim();
  const m = /^\$\$([\s\S]*)\$\$$/.exec(t) ?? /^\\\[([\s\S]*)\\\]$/.exec(t) ?? /^\$([\s\S]*)\$$/.exec(t);
  return renderTex(m ? m[1]! : t, true);
}

const size = (metadata: Record<string, unknown> | undefined, mime: string) => {
  const m = (metadata?.[mime] ?? {}) as { width?: unknown; height?: unknown };
  return {
    width: typeof m.width === 'number' ? m.width : undefined,
    height: typeof m.height === 'number' ? m.height : undefined,
  };
};

/** One display_data / execute_result bundle, rendered with the richest type Folio knows. */
export const MimeOutput = memo(function MimeOutput({
  data,
  metadata,
}: {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
}) {
  const mime = pickMime(data);
  const value = mime ? data[mime] : undefined;
  const html = useMemo(() => {
    if (mime === 'text/markdown') return renderMarkdown(joinText(value));
    if (mime === 'text/latex') return latexHtml(joinText(value));
    if (mime === 'text/plain') return ansiToHtml(joinText(value));
    return '';
  }, [mime, value]);

  switch (mime) {
    case null:
      return <pre className="output-text muted">[output of type {Object.keys(data).join(', ') || 'none'}]</pre>;
    case 'application/vnd.plotly.v1+json':
      return <PlotlyOutput figure={value as object} />;
    case 'text/html':
      return <SandboxedFrame title="HTML output" doc={sandboxDocument(joinText(value))} />;
    case 'application/javascript':
    case 'text/javascript':
      return <SandboxedFrame title="Script output" doc={sandboxScriptDocument(joinText(value))} />;
    case 'text/markdown':
    case 'text/latex':
      return <div className="output-rendered" dangerouslySetInnerHTML={{ __html: html }} />;
    case 'application/json':
      return <pre className="output-text output-json">{JSON.stringify(value, null, 2)}</pre>;
    case 'text/plain':
      return <pre className="output-text" dangerouslySetInnerHTML={{ __html: html }} />;
    default: // images; SVG too, as an <img> data URL (never inline in the page)
      return <img className="output-image" alt="" src={imageSrc(mime, value)} {...size(metadata, mime)} />;
  }
});

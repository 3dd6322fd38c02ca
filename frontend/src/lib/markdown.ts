import DOMPurify from 'dompurify';
import katex from 'katex';
import 'katex/dist/katex.min.css';
import MarkdownIt from 'markdown-it';
import type { MimeBundle } from './nbformat';
import { removeMath, replaceMath, type MathPiece } from './math';

const md = new MarkdownIt({ html: true, linkify: true });

export function renderTex(tex: string, display: boolean): string {
  return katex.renderToString(tex, { displayMode: display, throwOnError: false, trust: false, strict: 'ignore' });
}

const renderPiece = (p: MathPiece) => renderTex(p.tex, p.display);

/** DOMPurify with the app's policy: no scripts, no event handlers, no forms, no frames. */
export function sanitizeHtml(html: string): string {
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  });
}

/** Resolves `attachment:name.png` image sources to data URLs from the cell's attachments. */
function resolveAttachments(html: string, attachments?: Record<string, MimeBundle>): string {
  if (!attachments) return html;
  return html.replace(/src="attachment:([^"]+)"/g, (whole, name: string) => {
    const bundle = attachments[decodeURIComponent(name)];
    if (!bundle) return whole;
    const mime = Object.keys(bundle).find((m) => m.startsWith('image/'));
    const data = mime && bundle[mime];
    if (!mime || typeof data !== 'string') return whole;
    const src =
      mime === 'image/svg+xml'
        ? `data:${mime};charset=utf-8,${encodeURIComponent(data)}`
        : `data:${mime};base64,${data.replace(/\s/g, '')}`;
    return `src="${src}"`;
  });
}

/** Markdown → safe HTML: markdown-it, then KaTeX for $…$ / $$…$$, then DOMPurify over the whole result. */
export function renderMarkdown(text: string, attachments?: Record<string, MimeBundle>): string {
  const { text: withoutMath, math } = removeMath(text);
  const html = replaceMath(md.render(withoutMath), renderPiece, math);
  return sanitizeHtml(resolveAttachments(html, attachments));
}

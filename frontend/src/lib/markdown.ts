import markdownItKatexModule from '@vscode/markdown-it-katex';
import DOMPurify from 'dompurify';
import katex, { type KatexOptions } from 'katex';
import 'katex/dist/katex.min.css';
import { tex as markdownItTex } from '@mdit/plugin-tex';
import MarkdownIt from 'markdown-it';
import type { MimeBundle } from './nbformat';

/**
 * Markdown → safe HTML, sanitized LAST: markdown-it renders the Markdown, the math (VS Code's maintained KaTeX plugin,
 * the one its Jupyter notebooks use, plus @mdit/plugin-tex for \(…\) and \[…\]) and the author's HTML into one
 * string, and DOMPurify sanitizes that final HTML once. Nothing is inserted or re-parsed after the sanitizer. What the
 * sanitizer is told to keep or change, it does in its own attribute hook, before its own checks of the (possibly
 * rewritten) value:
 * - `style` attributes survive only inside formulas this render produced (KaTeX needs its inline styles), recognized
 *   by a random per-render marker the author cannot know; every other `style` goes, so notebook HTML cannot restyle
 *   or overlay the app (a `position:fixed` fake login). The marker itself is removed.
 * - relative image sources and links point at the notebook's files, `attachment:` images at the cell's attachments;
 *   DOMPurify then validates the resulting URL like any other.
 * - ids and names are prefixed `user-content-` (no DOM clobbering of the app's globals), and `#fragment` links with
 *   them, so in-page anchors keep working.
 * No scripts, event handlers, forms, frames, plugins or <style> elements survive.
 */

// The package is CommonJS with an `exports.default`; bundlers and Node's ESM loader disagree on the default import.
type KatexPlugin = (md: MarkdownIt, options?: Record<string, unknown>) => MarkdownIt;
const markdownItKatex: KatexPlugin =
  (markdownItKatexModule as unknown as { default?: KatexPlugin }).default ??
  (markdownItKatexModule as unknown as KatexPlugin);

/**
 * KaTeX with `trust: false` (no \href, \htmlStyle, \includegraphics…), errors shown in place. `maxSize` caps
 * positive user sizes (\rule, \raisebox); negative ones are left to the CSS containment of the rendered-Markdown boxes
 * (styles.css), which keeps any offset inside the cell.
 */
const KATEX_OPTIONS: KatexOptions = { throwOnError: false, trust: false, strict: 'ignore', maxSize: 50 };

const MATH_MARKER = 'data-folio-math';

/** The sanitizer's per-render context (rendering is synchronous: one render at a time). */
interface RenderContext {
  /** The marker value of this render's formulas (random, never in the output). */
  nonce: string;
  attachments?: Record<string, MimeBundle>;
  resolveFile?: FileUrlResolver;
  /** Formula roots of this render (elements that carried the right marker). */
  trusted: WeakSet<Node>;
}
let context: RenderContext | null = null;

const newNonce = () => {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
};

/** KaTeX's HTML for a formula, wrapped in a render's marker. */
const markedTex = (tex: string, displayMode: boolean, nonce: string) =>
  `<span ${MATH_MARKER}="${nonce}">${katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode })}</span>`;

const md = new MarkdownIt({ html: true, linkify: true }).use(markdownItKatex, {
  // The plugin calls katex.renderToString(tex, {displayMode, …its own options}); ours decides the options.
  katex: {
    renderToString: (tex: string, opts?: { displayMode?: boolean }) =>
      markedTex(tex, !!opts?.displayMode, context?.nonce ?? ''),
  },
  enableBareBlocks: true, // \begin{align} … \end{align} without $$, as Jupyter renders it
  enableMathBlockInHtml: true,
  enableMathInlineInHtml: true,
});

// LaTeX's own delimiters, \(…\) inline and \[…\] display, as JupyterLab renders them: parsed by @mdit/plugin-tex into
// the same math tokens, which the KaTeX plugin's renderers (kept, not replaced) render like the others.
{
  const { math_inline: inline, math_block: block } = md.renderer.rules;
  md.use(markdownItTex, { delimiters: 'brackets', render: () => '' });
  md.renderer.rules.math_inline = inline;
  md.renderer.rules.math_block = block;
}

const purify = DOMPurify(window);

/**
 * DOMPurify with the app's policy for author HTML: no scripts, no event handlers, no forms, no frames, no plugins, no
 * <style> elements; `style` attributes only inside this render's formulas (the hook below).
 */
const POLICY = {
  FORBID_TAGS: [
    'style',
    'form',
    'input',
    'button',
    'textarea',
    'select',
    'iframe',
    'object',
    'embed',
    'frame',
    'frameset',
  ],
  SANITIZE_NAMED_PROPS: true,
};
const USER_CONTENT = 'user-content-';

const isTrusted = (node: Node, trusted: WeakSet<Node>) => {
  for (let n: Node | null = node; n; n = n.parentNode) if (trusted.has(n)) return true;
  return false;
};

purify.addHook('uponSanitizeAttribute', (node, data) => {
  const ctx = context;
  if (!ctx) return;
  const name = data.attrName;
  if (name === MATH_MARKER) {
    if (data.attrValue === ctx.nonce) ctx.trusted.add(node);
    data.keepAttr = false;
  } else if (name === 'style') {
    data.keepAttr = isTrusted(node, ctx.trusted);
  } else if (name === 'src' && node.nodeName === 'IMG') {
    data.attrValue = resolveImage(data.attrValue, ctx);
  } else if (name === 'href' && node.nodeName === 'A') {
    if (data.attrValue.startsWith('#') && data.attrValue.length > 1 && !data.attrValue.startsWith(`#${USER_CONTENT}`)) {
      data.attrValue = `#${USER_CONTENT}${data.attrValue.slice(1)}`;
    } else data.attrValue = resolveFileUrl(data.attrValue, ctx) ?? data.attrValue;
  }
});

/** Sanitizes `html` as the final step of a render whose formulas carry `nonce`. */
function sanitize(html: string, ctx: Omit<RenderContext, 'trusted'>): string {
  context = { ...ctx, trusted: new WeakSet() };
  try {
    return purify.sanitize(html, POLICY);
  } finally {
    context = null;
  }
}

/** A formula (text/latex outputs), rendered by KaTeX and sanitized like Markdown. */
export function renderTex(tex: string, display: boolean): string {
  const nonce = newNonce();
  return sanitize(markedTex(tex, display, nonce), { nonce });
}

/** `attachment:name.png` → a data URL from the cell's attachments; a relative path → the notebook file's URL. */
function resolveImage(src: string, ctx: RenderContext): string {
  if (src.startsWith('attachment:')) {
    let name: string;
    try {
      name = decodeURIComponent(src.slice('attachment:'.length));
    } catch {
      return src;
    }
    const bundle = ctx.attachments?.[name];
    const mime = bundle && Object.keys(bundle).find((m) => m.startsWith('image/'));
    const data = mime && bundle[mime];
    if (!mime || typeof data !== 'string') return src;
    return mime === 'image/svg+xml'
      ? `data:${mime};charset=utf-8,${encodeURIComponent(data)}`
      : `data:${mime};base64,${data.replace(/\s/g, '')}`;
  }
  return resolveFileUrl(src, ctx) ?? src;
}

function resolveFileUrl(url: string, ctx: RenderContext): string | undefined {
  if (!ctx.resolveFile) return undefined;
  const path = relativeFilePath(url);
  return path === null ? undefined : ctx.resolveFile(path);
}

/** Maps a notebook file's path ("img/logo.png") to the URL it is served at, or undefined to leave the reference alone. */
export type FileUrlResolver = (path: string) => string | undefined;

/**
 * The notebook file a URL of a Markdown cell names, as JupyterLab resolves it against the notebook's folder:
 * relative URLs only (no scheme such as `https:`, `data:` or `attachment:`, not `/…` or `//…`, not `#…`/`?…`), query and
 * fragment dropped, percent-escapes decoded, `.` and `..` segments resolved. Null when the URL is not relative or
 * climbs out of the folder (`../x`): such references are left as they are.
 */
export function relativeFilePath(url: string): string | null {
  const u = url.trim();
  if (!u || /^[a-z][a-z0-9+.-]*:/i.test(u) || /^[/\\#?]/.test(u)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.split(/[?#]/)[0]!);
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.length ? out.join('/') : null;
}

/**
 * Markdown (with math and author HTML) → safe HTML; see the top of this file. With `resolveFile`, relative image
 * sources and links (`![](logo.png)`, `<img src="img/a.png">`) point at the notebook's files; absolute and remote URLs
 * are left as they are.
 */
export function renderMarkdown(
  text: string,
  attachments?: Record<string, MimeBundle>,
  resolveFile?: FileUrlResolver,
): string {
  const nonce = newNonce();
  context = { nonce, trusted: new WeakSet() };
  let html: string;
  try {
    html = md.render(text);
  } finally {
    context = null;
  }
  return sanitize(html, { nonce, attachments, resolveFile });
}
